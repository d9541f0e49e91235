/// How to run a KubeSim: address, TLS and auth, watch behaviour, faults.
public struct KubeSimOptions: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 picks a free port (read it back from `KubeSimServer.port`).
    public var port: Int = 0
    /// Serve HTTPS with a generated CA and server certificate.
    public var tls: Bool = false
    /// Where certificates go; a fresh temporary directory when nil.
    public var certDirectory: String?
    /// Write a kubeconfig for this server here.
    public var kubeconfigPath: String?
    /// The user of the generated client certificate (TLS); also the kubeconfig's user.
    public var clientCertUser: String?
    /// Groups (O=) of that client certificate.
    public var clientCertGroups: [String] = ["system:masters"]
    /// Events kept for watches resuming from a resourceVersion.
    public var watchHistory: Int = 1000
    /// Writes kept for `GET /kubesim/writes` and `store.writes()`.
    public var writeLogLimit: Int = 100_000
    public var watch410: Watch410Mode = .error
    public var bookmarkInterval: Duration = .seconds(1)
    /// Bearer token -> user name. Any token (or TLS) turns authentication on.
    public var tokens: [String: String] = [:]
    /// Users that may only get, list and watch.
    public var readonlyUsers: Set<String> = []
    public var faults: [FaultRule] = []
    /// Let the simulated kubelet run container commands (read by the kubelet component).
    public var runCommands: Bool = false
    /// Where run commands go: a Docker Engine API, local processes, or an engine when one answers.
    public var runtime: ContainerRuntimeChoice = .host
    /// The engine's socket (`unix:///path.sock`); nil looks at DOCKER_HOST and the usual sockets.
    public var engineAddress: String?
    /// The simulated cluster's nodes (read by the kubelet component); one 4 cpu / 16Gi node by default.
    public var nodes: [SimulatedNode] = [SimulatedNode()]
    /// Which images the simulated kubelet's pulls find.
    public var images: ImageRegistry = ImageRegistry()
    /// The simulated kubelet's back-off for pulls and restarts.
    public var backoff: KubeletBackoff = KubeletBackoff()
    /// Remove terminating pods once their grace period passed, when no kubelet does it sooner.
    public var expireTerminatingPods: Bool = true
    /// Things that run beside the API server on its store (kubelet, controllers).
    public var components: [any KubeSimComponent] = []

    public init() {}
}

/// A part of the simulated cluster that runs beside the API server (kubelet, controllers).
public protocol KubeSimComponent: Sendable {
    /// Runs until the task is cancelled (at `stop()`).
    func run(_ server: KubeSimServer) async throws
}
