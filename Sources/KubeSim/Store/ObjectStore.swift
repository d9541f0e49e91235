// ObjectStore: the state of the simulated cluster. Stable API for the kubelet and controllers:
//
//   let store = sim.store                                   // or ObjectStore(watchHistory: 1000)
//   store.get(.pods, namespace: "default", name: "x")       -> StoredObject?   (.object is the JSONObject)
//   store.list(.pods, namespace: nil, filter: ObjectFilter(labels: try LabelSelector(parsing: "app=web")))
//                                                           -> StoredList (items in key order, resourceVersion)
//   try store.create(.pods, namespace: "default", podJSON)  -> StoredObject (uid, rv, timestamps, defaults set)
//   try store.update(.pods, namespace:, name:, json)        PUT semantics: a given metadata.resourceVersion must
//                                                           match (409 Conflict); status is kept unless subresource
//   try store.updateStatus(.pods, namespace:, name:, json)  only `status` is taken from json
//   try store.modify(.pods, namespace:, name:, subresource: .status) { obj in obj["status"]?["phase"] = "Running" }
//                                                           atomic read-modify-write on the latest version: the
//                                                           kubelet's and controllers' way to write (no conflicts)
//   try store.delete(.pods, namespace:, name:, options: DeleteOptions(gracePeriodSeconds: 0))
//                                                           -> .deleted(last) | .pending(terminating pod)
//        A scheduled pod (spec.nodeName set) deleted with grace > 0 gets deletionTimestamp and
//        deletionGracePeriodSeconds and stays until someone deletes it again with grace 0 (the kubelet,
//        once its containers stopped) or the grace period passes. Owners' dependents are garbage-collected
//        (Background by default; Foreground and Orphan as on the real server).
//   let sub = try store.watch(.pods, namespace: nil, from: .now)   // .current = ADDED burst first; .after(rv)
//   for await event in sub { event.type, event.object }     // sub.cancel() to stop
//   store.resourceVersion, store.allObjects(), store.writes() (the last `writeLogLimit` writes, in order)
//   Every write takes WriteOptions(dryRun:, user:, verb:) for dryRun=All and the write log's user and verb.
//
// Events live under `.events` (core v1) only; the HTTP server shows them as events.k8s.io/v1 too, converting
// both ways (Events/EventConversion.swift), so in-process code writes and reads `.events`.
//
// Every write throws SimStatusError with the real server's Status (NotFound, AlreadyExists, Conflict,
// Invalid, ...). All methods are synchronous and thread-safe (one lock); none of them wait.
import SluiceKube
import Synchronization

/// The simulated cluster's objects, resourceVersion counter, watch history and write log.
public final class ObjectStore: Sendable {
    let state: Mutex<StoreState>
    let maxPendingPerWatch: Int
    /// Whether a terminating pod is removed by the store once its grace period has passed.
    public let expireTerminatingPods: Bool

    /// A store holding the namespaces `default`, `kube-system`, `kube-public` and `kube-node-lease`.
    /// `writeLogLimit` bounds `writes()` (the oldest entries go first).
    public init(watchHistory: Int = 1000, maxPendingPerWatch: Int = 1 << 20, expireTerminatingPods: Bool = true,
                writeLogLimit: Int = 100_000) {
        var initial = StoreState(historyCapacity: watchHistory)
        initial.writeLogLimit = max(1, writeLogLimit)
        state = Mutex(initial)
        self.maxPendingPerWatch = maxPendingPerWatch
        self.expireTerminatingPods = expireTerminatingPods
        for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            _ = try? create(.namespaces, namespace: nil, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]])
        }
    }

    /// Kinds defined by CustomResourceDefinitions (registered by the CRD controller once established).
    let customResources = Mutex<[SimResource]>([])

    /// Every kind this store serves: the built-in ones, then the custom ones.
    public var resources: [SimResource] { SimResource.all + customResources.withLock { $0 } }

    /// Starts serving a custom kind (again, with new details, when its definition changes).
    public func register(_ type: SimResource) {
        customResources.withLock { list in
            list.removeAll { $0 == type }
            list.append(type)
        }
    }

    /// Stops serving a custom kind.
    public func unregister(_ type: SimResource) {
        customResources.withLock { $0.removeAll { $0 == type } }
    }

    /// The served kind for a path's group, version and plural name.
    public func resource(group: String, version: String, plural: String) -> SimResource? {
        resources.first { $0.group == group && $0.version == version && $0.plural == plural }
    }

    /// The resourceVersion of the last write.
    public var resourceVersion: Int64 { state.withLock { $0.resourceVersion } }

    public func get(_ type: SimResource, namespace: String?, name: String) -> StoredObject? {
        let key = ObjectKey.make(type.namespaced ? namespace : nil, name)
        return state.withLock { $0.get(type, key) }
    }

    /// The objects of `type` (in `namespace`, or all when nil) that pass `filter`, in key order.
    public func list(_ type: SimResource, namespace: String?, filter: ObjectFilter = ObjectFilter()) -> StoredList {
        let (items, rv) = state.withLock { ($0.list(type, namespace: type.namespaced ? namespace : nil), $0.resourceVersion) }
        return StoredList(items: filter.isEmpty ? items : items.filter { filter.matches($0.object) }, resourceVersion: rv)
    }

    /// Visits every stored object of `type` in no particular order, under the store's lock: cheaper than
    /// `list` (no copy, no sort) for hot paths such as the kubelet's sum of a node's requests.
    public func forEach(_ type: SimResource, _ body: (StoredObject) -> Void) {
        state.withLock { s in s.forEach(type, body) }
    }

    /// Every stored object of every type.
    public func allObjects() -> [StoredObject] {
        let types = resources
        return state.withLock { s in types.flatMap { s.list($0, namespace: nil) } }
    }

    /// The write log, oldest first (at most `writeLogLimit` entries).
    public func writes() -> [WriteRecord] { state.withLock { $0.writes } }

    /// Creates an object; `namespace` is the request path's (the body's must match it or be empty).
    @discardableResult
    public func create(_ type: SimResource, namespace: String?, _ object: JSONObject, options: WriteOptions = WriteOptions()) throws(SimStatusError) -> StoredObject {
        var object = object
        try Admission.prepareCreate(type, &object, namespace: namespace)
        let prepared = object
        let created = try state.withLock { (s: inout StoreState) throws(SimStatusError) -> StoredObject in
            var object = prepared
            try self.checkNamespace(type, object, in: s)
            if object.metadataString("name") == nil, let base = object.metadataString("generateName") {
                var candidate = base + WallClock.nameSuffix()
                while s.get(type, ObjectKey.make(object.metadataString("namespace"), candidate)) != nil { candidate = base + WallClock.nameSuffix() }
                object.setMetadata("name", .string(candidate))
            }
            let name = object.metadataString("name") ?? ""
            let key = ObjectKey.make(object.metadataString("namespace"), name)
            if s.get(type, key) != nil { throw .alreadyExists(type, name) }
            if options.dryRun { return StoredObject(type: type, object: object, resourceVersion: s.resourceVersion) }
            return s.put(type, object, previous: nil, verb: options.verb ?? "create", user: options.user)
        }
        if !options.dryRun, !StoreState.ownerUIDs(created).isEmpty { collectIfDangling(created) }
        return created
    }

    private func checkNamespace(_ type: SimResource, _ object: JSONObject, in s: StoreState) throws(SimStatusError) {
        guard type.namespaced, let ns = object.metadataString("namespace") else { return }
        guard let namespace = s.get(.namespaces, ns) else { throw .notFound(.namespaces, ns) }
        if namespace.object.metadataString("deletionTimestamp") != nil {
            throw SimStatusError(code: 403, reason: "Forbidden",
                                  message: "\(type.plural) \"\(object.metadataString("name") ?? "")\" is forbidden: unable to create new content in namespace \(ns) because it is being terminated",
                                  details: SimStatusError.details(name: object.metadataString("name"), group: type.group, kind: type.plural))
        }
    }

    /// Replaces an object (PUT). A non-empty metadata.resourceVersion must match the stored one.
    @discardableResult
    public func update(_ type: SimResource, namespace: String?, name: String, _ object: JSONObject,
                       subresource: Subresource = .main, options: WriteOptions = WriteOptions()) throws(SimStatusError) -> StoredObject {
        try replace(type, namespace: namespace, name: name, object, subresource: subresource, options: options) { _, _ in }
    }

    /// `update`, with a hook that sees the stored version and the checked body just before the merge.
    func replace(_ type: SimResource, namespace: String?, name: String, _ object: JSONObject, subresource: Subresource,
                 options: WriteOptions, prepare: (StoredObject, inout JSONObject) -> Void) throws(SimStatusError) -> StoredObject {
        try Admission.checkIdentity(type, object, namespace: namespace, name: name)
        return try commitUpdate(type, namespace: namespace, name: name, subresource: subresource, options: options) { (existing: StoredObject) throws(SimStatusError) -> JSONObject in
            let given = object.metadataString("resourceVersion") ?? ""
            if given.isEmpty, Admission.requiresResourceVersion(type) {
                // The generic store names the resource, not the kind, and prints the uint64 0 as Go's %#v does.
                throw .invalid(kind: type.qualifiedResource, group: type.group, detailKind: type.plural, name,
                               [FieldError(kind: .invalid, field: "metadata.resourceVersion", value: "0x0", detail: "must be specified for an update")])
            }
            if !given.isEmpty, given != String(existing.resourceVersion) { throw .conflict(type, name) }
            var object = object
            prepare(existing, &object)
            return object
        }
    }

    /// Replaces only `status` (PUT on the status subresource).
    @discardableResult
    public func updateStatus(_ type: SimResource, namespace: String?, name: String, _ object: JSONObject,
                             options: WriteOptions = WriteOptions()) throws(SimStatusError) -> StoredObject {
        try update(type, namespace: namespace, name: name, object, subresource: .status, options: options)
    }

    /// Read-modify-write on the latest version, atomically; `change` may throw to abort.
    @discardableResult
    public func modify(_ type: SimResource, namespace: String?, name: String, subresource: Subresource = .main,
                       options: WriteOptions = WriteOptions(),
                       _ change: (inout JSONObject) throws(SimStatusError) -> Void) throws(SimStatusError) -> StoredObject {
        try commitUpdate(type, namespace: namespace, name: name, subresource: subresource, options: options) { (existing: StoredObject) throws(SimStatusError) -> JSONObject in
            var object = existing.object
            try change(&object)
            return object
        }
    }

    func commitUpdate(_ type: SimResource, namespace: String?, name: String, subresource: Subresource, options: WriteOptions,
                      _ proposed: (StoredObject) throws(SimStatusError) -> JSONObject) throws(SimStatusError) -> StoredObject {
        let key = ObjectKey.make(type.namespaced ? namespace : nil, name)
        return try state.withLock { (s: inout StoreState) throws(SimStatusError) -> StoredObject in
            guard let existing = s.get(type, key) else { throw .notFound(type, name) }
            let merged = try Admission.prepareUpdate(type, proposed(existing), existing: existing, subresource: subresource)
            if merged == existing.object || options.dryRun {
                return options.dryRun ? StoredObject(type: type, object: merged, resourceVersion: existing.resourceVersion) : existing
            }
            let verb = options.verb ?? (subresource == .status ? "update/status" : "update")
            if merged.metadataString("deletionTimestamp") != nil, (merged["metadata"]?["finalizers"]?.arrayValue ?? []).isEmpty,
               type != .pods {
                return s.remove(StoredObject(type: type, object: merged, resourceVersion: existing.resourceVersion), verb: verb, user: options.user)
            }
            return s.put(type, merged, previous: existing, verb: verb, user: options.user)
        }
    }

    /// Ends every watch (server shutdown).
    public func stop() {
        let watchers = state.withLock { s in
            defer { s.watchers.removeAll() }
            return Array(s.watchers.values)
        }
        for w in watchers { w.end(.storeStopped) }
    }
}
