import SluiceKube

/// Everything the store guards with its lock. Every committed change goes through `put` or `remove`,
/// which bump the resourceVersion, record history and the write log, and fan the event out to watchers.
struct StoreState {
    var resourceVersion: Int64 = 0
    var tables: [SimResource: [String: StoredObject]] = [:]
    var history: EventHistory
    var watchers: [Int: WatchSubscription] = [:]
    var nextWatcherID = 1
    var writes: [WriteRecord] = []
    /// The most writes the log keeps (the oldest go first, a quarter at a time).
    var writeLogLimit = 100_000
    /// Owner uid -> the objects that name it in ownerReferences.
    var dependents: [String: Set<DependentKey>] = [:]

    struct DependentKey: Hashable {
        let type: SimResource
        let key: String
    }

    init(historyCapacity: Int) {
        history = EventHistory(capacity: historyCapacity)
    }

    func get(_ type: SimResource, _ key: String) -> StoredObject? { tables[type]?[key] }

    @discardableResult
    mutating func put(_ type: SimResource, _ object: JSONObject, previous: StoredObject?, verb: String, user: String) -> StoredObject {
        resourceVersion += 1
        var object = object
        object.setMetadata("resourceVersion", .string(String(resourceVersion)))
        let stored = StoredObject(type: type, object: object, resourceVersion: resourceVersion)
        tables[type, default: [:]][stored.key] = stored
        index(stored, previous: previous)
        publish(WatchEvent(type: previous == nil ? .added : .modified, object: stored, previous: previous), verb: verb, user: user)
        return stored
    }

    @discardableResult
    mutating func remove(_ existing: StoredObject, verb: String, user: String) -> StoredObject {
        resourceVersion += 1
        var object = existing.object
        object.setMetadata("resourceVersion", .string(String(resourceVersion)))
        let stored = StoredObject(type: existing.type, object: object, resourceVersion: resourceVersion)
        tables[existing.type]?[existing.key] = nil
        index(nil, previous: existing)
        publish(WatchEvent(type: .deleted, object: stored), verb: verb, user: user)
        return stored
    }

    private mutating func publish(_ event: WatchEvent, verb: String, user: String) {
        history.append(event)
        let o = event.object
        writes.append(WriteRecord(resourceVersion: o.resourceVersion, verb: verb, type: o.type, namespace: o.namespace,
                                  name: o.name, user: user, object: o))
        if writes.count > writeLogLimit + writeLogLimit / 4 { writes.removeFirst(writes.count - writeLogLimit) }
        for watcher in watchers.values where watcher.wants(o) {
            watcher.push(event)
        }
    }

    private mutating func index(_ stored: StoredObject?, previous: StoredObject?) {
        let key = (stored ?? previous).map { DependentKey(type: $0.type, key: $0.key) }
        guard let key else { return }
        let before = Set(previous.map(StoreState.ownerUIDs) ?? [])
        let after = Set(stored.map(StoreState.ownerUIDs) ?? [])
        for uid in before.subtracting(after) {
            dependents[uid]?.remove(key)
            if dependents[uid]?.isEmpty == true { dependents[uid] = nil }
        }
        for uid in after.subtracting(before) { dependents[uid, default: []].insert(key) }
    }

    static func ownerUIDs(_ object: StoredObject) -> [String] {
        (object.object["metadata"]?["ownerReferences"]?.arrayValue ?? []).compactMap { $0["uid"]?.stringValue }
    }

    /// The objects whose ownerReferences name `uid`.
    func dependentsOf(_ uid: String) -> [StoredObject] {
        (dependents[uid] ?? []).compactMap { get($0.type, $0.key) }.sorted { $0.key < $1.key }
    }

    func forEach(_ type: SimResource, _ body: (StoredObject) -> Void) {
        guard let table = tables[type] else { return }
        for object in table.values { body(object) }
    }

    func list(_ type: SimResource, namespace: String?) -> [StoredObject] {
        guard let table = tables[type] else { return [] }
        let prefix = namespace.map { "\($0)/" }
        return table.values.filter { prefix == nil || $0.key.hasPrefix(prefix!) }.sorted { $0.key < $1.key }
    }
}
