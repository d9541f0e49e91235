/// An informer for one kind, read and called back with typed objects (`TypedInformer<Pod>`).
public final class TypedInformer<Object: KubeObject>: Sendable {
    /// The document cache underneath (shared: typed reads are views over its documents).
    public let informer = Informer()

    public init() {}

    public func get(namespace: String?, name: String) -> Object? {
        informer.get(namespace: namespace, name: name).map { Object(document: $0) }
    }

    public func list() -> [Object] { informer.list().map { Object(document: $0) } }
    public var count: Int { informer.count }
    public var hasSynced: Bool { informer.hasSynced }
    public func waitForSync() async { await informer.waitForSync() }

    /// Callbacks one at a time, in the order of the changes.
    public func addHandler(added: @escaping @Sendable (Object) async -> Void = { _ in },
                           updated: @escaping @Sendable (_ old: Object, _ new: Object) async -> Void = { _, _ in },
                           deleted: @escaping @Sendable (Object) async -> Void = { _ in }) {
        informer.addHandler(InformerHandler(
            added: { await added(Object(document: $0)) },
            updated: { await updated(Object(document: $0), Object(document: $1)) },
            deleted: { await deleted(Object(document: $0)) }))
    }

    /// Lists and watches `Object`s in `namespace` (all namespaces when nil) until the task is cancelled.
    public func run(client: KubeClient, namespace: String?, options: ListOptions = ListOptions()) async {
        await informer.run(Reflector(client: client, type: Object.resourceType, namespace: namespace, options: options))
    }
}
