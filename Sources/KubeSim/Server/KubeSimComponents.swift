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
        server.setPodLogSource(PodLogBookSource(book: controllers.logs))
        try await controllers.run()
    }
}

/// Serves the log route from the kubelet's `PodLogBook`.
struct PodLogBookSource: PodLogSource {
    let book: PodLogBook

    func logs(_ request: PodLogRequest, pod: StoredObject) async throws -> AsyncStream<[UInt8]> {
        try book.logs(namespace: request.namespace, pod: request.pod, container: request.container, previous: request.previous,
                      tailLines: request.tailLines.map { Int($0) }, follow: request.follow)
    }
}
