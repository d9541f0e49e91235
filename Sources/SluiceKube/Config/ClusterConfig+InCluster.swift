import Foundation

extension ClusterConfig {
    /// The configuration of a pod talking to its own cluster, as client-go's `rest.InClusterConfig`:
    /// the service's host and port from the environment, the service-account token (re-read as it
    /// rotates), its CA, and the namespace from `POD_NAMESPACE` or the service account.
    public static func inCluster(
        root: String = ClusterConfig.serviceAccountRoot,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(KubeConfigError) -> ClusterConfig {
        let host = environment["KUBERNETES_SERVICE_HOST"] ?? "", port = environment["KUBERNETES_SERVICE_PORT"] ?? ""
        guard !host.isEmpty, !port.isEmpty else {
            throw KubeConfigError(.notInCluster, "unable to load in-cluster configuration: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined")
        }
        let tokenPath = FilePath.join(root, "token")
        let token: String
        do {
            token = try TokenFileSource.readToken(tokenPath)
        } catch {
            throw KubeConfigError(error.kind == .notFound ? .notInCluster : error.kind, file: error.file, error.message)
        }
        // Like client-go, a missing or unusable ca.crt leaves the system CAs in charge (verification stays on).
        let caPath = FilePath.join(root, "ca.crt")
        var caPEM: [UInt8]?
        if case .success(let bytes) = FileBytes.contents(of: caPath), containsCertificate(bytes) { caPEM = bytes }
        return ClusterConfig(
            server: "https://" + joinHostPort(host, port),
            caPEM: caPEM,
            credentials: Credentials.tokenFile(tokenPath, fallback: token),
            namespace: inClusterNamespace(root: root, environment: environment)
        )
    }

    /// `host:port`, with an IPv6 host in brackets (Go's `net.JoinHostPort`).
    static func joinHostPort(_ host: String, _ port: String) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    private static func inClusterNamespace(root: String, environment: [String: String]) -> String {
        if let namespace = environment["POD_NAMESPACE"], !namespace.isEmpty { return namespace }
        if case .success(let bytes) = FileBytes.contents(of: FilePath.join(root, "namespace")) {
            let namespace = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !namespace.isEmpty { return namespace }
        }
        return "default"
    }

    private static func containsCertificate(_ bytes: [UInt8]) -> Bool {
        String(decoding: bytes, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----")
    }
}
