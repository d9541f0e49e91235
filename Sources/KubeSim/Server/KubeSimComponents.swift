/// The components `kubesim` runs beside the API server: the simulated kubelet and the controllers.
public enum KubeSimComponents {
    /// The built-in components for these options.
    public static func builtIn(_ options: KubeSimOptions) -> [any KubeSimComponent] {
        var kubelet = Kubelet.Options(nodes: options.nodes, runCommands: options.runCommands)
        kubelet.images = options.images
        kubelet.runtime = options.runtime
        kubelet.engineAddress = options.engineAddress
        kubelet.backoff = options.backoff
        return [ClusterComponent(kubelet: kubelet)]
    }
}

/// Runs `ClusterControllers` (kubelet, deployments, endpoints) on the server's store and serves pod logs from it.
public struct ClusterComponent: KubeSimComponent {
    public var kubelet: Kubelet.Options

    public init(kubelet: Kubelet.Options) { self.kubelet = kubelet }

    public init(runCommands: Bool = false) { kubelet = Kubelet.Options(runCommands: runCommands) }

    public func run(_ server: KubeSimServer) async throws {
        let controllers = ClusterControllers(store: server.store, kubelet: kubelet)
        server.setPodLogSource(controllers.logs)
        try await controllers.run()
    }
}
