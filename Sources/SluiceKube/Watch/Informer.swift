import Synchronization

/// Change callbacks of an informer, called one at a time, in the order the changes happened.
public struct InformerHandler: Sendable {
    public var added: @Sendable (JSONObject) async -> Void
    public var updated: @Sendable (_ old: JSONObject, _ new: JSONObject) async -> Void
    public var deleted: @Sendable (JSONObject) async -> Void

    public init(added: @escaping @Sendable (JSONObject) async -> Void = { _ in },
                updated: @escaping @Sendable (JSONObject, JSONObject) async -> Void = { _, _ in },
                deleted: @escaping @Sendable (JSONObject) async -> Void = { _ in }) {
        self.added = added
        self.updated = updated
        self.deleted = deleted
    }
}

/// A local copy of one kind of object kept current by list + watch, keyed by namespace/name, with
/// add/update/delete callbacks. Reads are cheap and never touch the network.
public final class Informer: ReflectorSink, Sendable {
    private struct State {
        var objects: [String: JSONObject] = [:]
        var synced = false
        var resourceVersion = ""
        var syncWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let handlers: Mutex<[InformerHandler]> = Mutex([])

    public init() {}

    /// The cache key of an object: "namespace/name", or "name" when it has no namespace.
    public static func key(_ object: JSONObject) -> String {
        let name = object["metadata"]?["name"]?.stringValue ?? ""
        if let ns = object["metadata"]?["namespace"]?.stringValue, !ns.isEmpty { return "\(ns)/\(name)" }
        return name
    }

    public func addHandler(_ handler: InformerHandler) { handlers.withLock { $0.append(handler) } }

    public func get(namespace: String?, name: String) -> JSONObject? {
        let key = namespace.map { "\($0)/\(name)" } ?? name
        return state.withLock { $0.objects[key] }
    }

    public func list() -> [JSONObject] { state.withLock { Array($0.objects.values) } }
    public var count: Int { state.withLock { $0.objects.count } }
    public var hasSynced: Bool { state.withLock { $0.synced } }
    /// The version of the last change applied.
    public var resourceVersion: String { state.withLock { $0.resourceVersion } }

    /// Returns once the first list has been loaded.
    public func waitForSync() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.synced { return true }
                s.syncWaiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    /// Runs list + watch into this informer until the task is cancelled.
    public func run(_ reflector: Reflector) async { await reflector.run(into: self) }

    public func replace(_ objects: [JSONObject], resourceVersion: String) async {
        var fresh: [String: JSONObject] = [:]
        fresh.reserveCapacity(objects.count)
        for object in objects { fresh[Self.key(object)] = object }
        let (old, waiters) = state.withLock { s -> ([String: JSONObject], [CheckedContinuation<Void, Never>]) in
            let old = s.objects
            s.objects = fresh
            s.resourceVersion = resourceVersion
            s.synced = true
            let w = s.syncWaiters
            s.syncWaiters = []
            return (old, w)
        }
        let hs = handlers.withLock { $0 }
        if !hs.isEmpty {
            // What disappeared while we were not watching is deleted; the rest is added or updated.
            for (key, object) in old where fresh[key] == nil {
                for h in hs { await h.deleted(object) }
            }
            for object in objects {
                let key = Self.key(object)
                if let before = old[key] {
                    if Self.version(before) != Self.version(object) { for h in hs { await h.updated(before, object) } }
                } else {
                    for h in hs { await h.added(object) }
                }
            }
        }
        for w in waiters { w.resume() }
    }

    public func apply(_ update: WatchUpdate) async {
        if update.kind == .bookmark || update.kind == .error {
            let rv = update.resourceVersion
            if update.kind == .bookmark, !rv.isEmpty { state.withLock { $0.resourceVersion = rv } }
            return
        }
        let key = Self.key(update.object)
        let before: JSONObject? = state.withLock { s in
            let before = s.objects[key]
            if update.kind == .deleted {
                s.objects[key] = nil
            } else {
                s.objects[key] = update.object
            }
            let rv = update.resourceVersion
            if !rv.isEmpty { s.resourceVersion = rv }
            return before
        }
        let hs = handlers.withLock { $0 }
        guard !hs.isEmpty else { return }
        switch update.kind {
        case .deleted: for h in hs { await h.deleted(update.object) }
        case .added, .modified:
            if let before { for h in hs { await h.updated(before, update.object) } } else { for h in hs { await h.added(update.object) } }
        case .bookmark, .error: break
        }
    }

    static func version(_ object: JSONObject) -> String { object["metadata"]?["resourceVersion"]?.stringValue ?? "" }
}
