import SluiceKube

/// A controller of pods it owns (deployments, jobs): reconciled when the owner or one of its pods changes.
protocol PodOwnerController: Actor {
    /// The owning resource and its kind as owner references name it.
    static var owner: SimResource { get }
    nonisolated var store: ObjectStore { get }
    func reconcile(namespace: String, name: String)
}

extension PodOwnerController {
    /// Reconciles on every owner and pod change until cancelled.
    func follow() async throws {
        try await WatchLoop.follow(store, [Self.owner, .pods]) { event in await self.handle(event) }
    }

    func handle(_ event: WatchEvent) {
        let namespace = event.object.namespace ?? "default"
        if event.object.type == Self.owner {
            reconcile(namespace: namespace, name: event.object.name)
        } else if let owner = DeploymentController.controllerName(of: event.object.object, kind: Self.owner.kind) {
            reconcile(namespace: namespace, name: owner)
        }
    }

    public func reconcileAll() {
        for item in store.list(Self.owner, namespace: nil).items { reconcile(namespace: item.namespace ?? "default", name: item.name) }
    }
}
