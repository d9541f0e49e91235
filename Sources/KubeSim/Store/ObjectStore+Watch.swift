import SluiceKube

extension ObjectStore {
    /// Starts a watch. `.after(rv)` throws 410 Expired when the history no longer reaches back to `rv`.
    public func watch(_ type: SimResource, namespace: String?, filter: ObjectFilter = ObjectFilter(),
                      from start: WatchStart = .now) throws(SimStatusError) -> WatchSubscription {
        try state.withLock { (s: inout StoreState) throws(SimStatusError) -> WatchSubscription in
            let id = s.nextWatcherID
            let sub = WatchSubscription(id: id, type: type, namespace: type.namespaced ? namespace : nil, filter: filter,
                                        maxPending: maxPendingPerWatch, startResourceVersion: s.resourceVersion,
                                        storeResourceVersion: { [weak self] in self?.resourceVersion ?? 0 }) { [weak self] id in
                self?.state.withLock { _ = $0.watchers.removeValue(forKey: id) }
            }
            switch start {
            case .current:
                for object in s.list(type, namespace: sub.namespace) { sub.push(WatchEvent(type: .added, object: object)) }
            case .after(let rv):
                guard let events = s.history.events(after: rv, current: s.resourceVersion) else {
                    throw .expired(requested: rv, oldest: (s.history.oldestResourceVersion ?? s.resourceVersion + 1) - 1)
                }
                for event in events where sub.wants(event.object) { sub.push(event) }
            case .now:
                break
            }
            s.nextWatcherID += 1
            s.watchers[id] = sub
            return sub
        }
    }

    /// How many watches are open (for tests and the admin endpoint).
    public var watchCount: Int { state.withLock { $0.watchers.count } }
}
