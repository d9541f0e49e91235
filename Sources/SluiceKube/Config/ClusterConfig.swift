import Foundation

/// Everything the transport needs to reach one API server: where it is, how to trust it, who we are,
/// and the namespace requests default to.
public struct ClusterConfig: Sendable {
    /// `https://host:port` with no trailing slash; a path prefix is kept.
    public var server: String
    /// The CA bundle (PEM) to trust; nil means the system's CAs.
    public var caPEM: [UInt8]?
    /// Only true when the kubeconfig says so explicitly; never together with `caPEM`.
    public var insecureSkipTLSVerify: Bool
    /// The name to verify the server's certificate against, when it differs from the host in `server`.
    public var tlsServerName: String?
    public var clientCertificatePEM: [UInt8]?
    public var clientKeyPEM: [UInt8]?
    /// Where the bearer token comes from (may be `.none`).
    public var credentials: Credentials
    /// The context's namespace, the in-cluster namespace, else `default`.
    public var namespace: String
    /// The cluster's `proxy-url`; nil means a direct connection (or the usual proxy variables).
    public var proxyURL: String?

    /// The default folder of a pod's service-account token, CA and namespace.
    public static let serviceAccountRoot = "/var/run/secrets/kubernetes.io/serviceaccount"

    public init(
        server: String, caPEM: [UInt8]? = nil, insecureSkipTLSVerify: Bool = false, tlsServerName: String? = nil,
        clientCertificatePEM: [UInt8]? = nil, clientKeyPEM: [UInt8]? = nil, credentials: Credentials = .none,
        namespace: String = "default", proxyURL: String? = nil
    ) {
        self.server = server
        self.caPEM = caPEM
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.tlsServerName = tlsServerName
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.credentials = credentials
        self.namespace = namespace
        self.proxyURL = proxyURL
    }

    /// The configuration of `context` (default: the current context) from the kubeconfig files
    /// `kubeconfigPaths` (each must exist), else those `KUBECONFIG` lists, else `~/.kube/config`.
    public static func load(
        kubeconfigPaths: [String]? = nil, context: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(KubeConfigError) -> ClusterConfig {
        let config = try KubeConfig.load(paths: kubeconfigPaths, environment: environment)
        return try config.clusterConfig(context: context, environment: environment)
    }

    /// In-cluster when `KUBERNETES_SERVICE_HOST` is set and the service-account token exists, else the kubeconfig.
    public static func automatic(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        serviceAccountRoot: String = ClusterConfig.serviceAccountRoot
    ) throws(KubeConfigError) -> ClusterConfig {
        let host = environment["KUBERNETES_SERVICE_HOST"] ?? ""
        if !host.isEmpty && FileBytes.exists(FilePath.join(serviceAccountRoot, "token")) {
            return try inCluster(root: serviceAccountRoot, environment: environment)
        }
        return try load(environment: environment)
    }
}
