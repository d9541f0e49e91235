/// The components `kubesim` runs beside the API server: the simulated kubelet and the controllers.
public enum KubeSimComponents {
    /// The built-in components for these options.
    public static func builtIn(_ options: KubeSimOptions) -> [any KubeSimComponent] {
        [ClusterComponent(runCommands: options.runCommands)]
    }
}

/// Runs `ClusterControllers` (kubelet, deployments, endpoints) on the server's store and serves pod logs from it.
public struct ClusterComponent: KubeSimComponent {
    public var runCommands: Bool

    public init(runCommands: Bool = false) { self.runCommands = runCommands }

    public func run(_ server: KubeSimServer) async throws {
        let controllers = ClusterControllers(store: server.store, kubelet: Kubelet.Options(runCommands: runCommands))
        server.setPodLogSource(controllers.logs)
        try await controllers.run()
    }
}
