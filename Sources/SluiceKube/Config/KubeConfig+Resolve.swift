import Foundation

extension KubeConfig {
    /// The connection of one context (default: the current context), checked the way kubectl checks the
    /// context it is about to use: its cluster and user must exist, files must be readable, and
    /// conflicting settings are refused rather than one silently winning.
    public func clusterConfig(
        context requested: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(KubeConfigError) -> ClusterConfig {
        let (contextName, context) = try chooseContext(requested)
        let contextPath = "contexts[\(contextName)].context"
        guard let clusterName = context.cluster, !clusterName.isEmpty else {
            throw KubeConfigError(.invalid, file: context.source, keyPath: "\(contextPath).cluster",
                                  "context \"\(contextName)\" names no cluster; expected the name of an entry of clusters")
        }
        guard let cluster = clusters[clusterName] else {
            throw KubeConfigError(.notFound, file: context.source, keyPath: "\(contextPath).cluster",
                                  "cluster \"\(clusterName)\" is not defined in \(filesText)")
        }
        var user: (name: String, entry: KubeConfigFile.User)?
        if let userName = context.user, !userName.isEmpty {
            guard let entry = users[userName] else {
                throw KubeConfigError(.notFound, file: context.source, keyPath: "\(contextPath).user",
                                      "user \"\(userName)\" is not defined in \(filesText)")
            }
            user = (userName, entry)
        }

        let trust = try ClusterTrust(cluster, name: clusterName)
        let certificate = try user.flatMap { user throws(KubeConfigError) in try Self.clientCertificate(user.entry, name: user.name) }
        let defaultTLS = trust.caPEM != nil || trust.insecure || trust.serverName != nil || certificate != nil
        let server = try Self.serverURL(cluster, name: clusterName, defaultTLS: defaultTLS)
        let clusterInfo = ExecClusterInfo(
            server: server, tlsServerName: trust.serverName, insecureSkipTLSVerify: trust.insecure,
            certificateAuthorityData: trust.caPEM, proxyURL: cluster.proxyURL, disableCompression: cluster.disableCompression,
            config: cluster.execExtension)
        var credentials = Credentials.none
        if let user {
            credentials = try UserCredentials.resolve(
                user.entry, name: user.name, hasClientCertificate: certificate != nil, clusterInfo: clusterInfo, environment: environment)
        }
        return ClusterConfig(
            server: server, caPEM: trust.caPEM, insecureSkipTLSVerify: trust.insecure, tlsServerName: trust.serverName,
            clientCertificatePEM: certificate?.certificatePEM, clientKeyPEM: certificate?.keyPEM, credentials: credentials,
            namespace: context.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default",
            proxyURL: cluster.proxyURL.flatMap { $0.isEmpty ? nil : $0 })
    }

    var filesText: String {
        files.count == 1 ? files[0] : "any of " + files.joined(separator: ", ")
    }

    private func chooseContext(_ requested: String?) throws(KubeConfigError) -> (String, KubeConfigFile.Context) {
        guard let name = requested.flatMap({ $0.isEmpty ? nil : $0 }) ?? currentContext else {
            throw KubeConfigError(.notFound, file: files.joined(separator: ", "), keyPath: "current-context",
                                  "no context chosen: current-context is not set; set it or name a context")
        }
        guard let context = contexts[name] else {
            throw KubeConfigError(.notFound, file: files.joined(separator: ", "), keyPath: requested == nil ? "current-context" : nil,
                                  "context \"\(name)\" is not defined in \(filesText)")
        }
        return (name, context)
    }

    /// The server as an absolute URL; a bare `host:port` gets https when any TLS setting is present, else
    /// http (client-go's `DefaultServerURL`).
    static func serverURL(_ cluster: KubeConfigFile.Cluster, name: String, defaultTLS: Bool) throws(KubeConfigError) -> String {
        let keyPath = "clusters[\(name)].cluster.server"
        guard let written = cluster.server, !written.isEmpty else {
            throw KubeConfigError(.invalid, file: cluster.source, keyPath: keyPath, "no server found for cluster \"\(name)\"; expected a URL such as https://host:6443")
        }
        var url = written.contains("://") ? written : (defaultTLS ? "https://" : "http://") + written
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = parts.host, !host.isEmpty, parts.query == nil, parts.fragment == nil, parts.user == nil
        else {
            throw KubeConfigError(.invalid, file: cluster.source, keyPath: keyPath, "expected an http or https URL such as https://host:6443, found \"\(written)\"")
        }
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    private static func clientCertificate(_ user: KubeConfigFile.User, name: String) throws(KubeConfigError) -> ExecClientCertificate? {
        let path = "users[\(name)].user"
        let certificate = try FileOrData.read(file: user.clientCertificate, data: user.clientCertificateData, source: user.source,
                                              keyPath: "\(path).client-certificate")
        let key = try FileOrData.read(file: user.clientKey, data: user.clientKeyData, source: user.source, keyPath: "\(path).client-key")
        switch (certificate, key) {
        case (nil, nil):
            return nil
        case (.some(let certificate), .some(let key)):
            return ExecClientCertificate(certificatePEM: certificate, keyPEM: key)
        case (.some, nil):
            throw KubeConfigError(.invalid, file: user.source, keyPath: "\(path).client-key",
                                  "client-key-data or client-key must be specified for \(name) to use the client certificate")
        case (nil, .some):
            throw KubeConfigError(.invalid, file: user.source, keyPath: "\(path).client-certificate",
                                  "client-certificate-data or client-certificate must be specified for \(name) to use the client key")
        }
    }
}

/// How a cluster's server certificate is checked: a CA, an explicit opt-out, and the name to expect.
struct ClusterTrust {
    var caPEM: [UInt8]?
    var insecure: Bool
    var serverName: String?

    init(_ cluster: KubeConfigFile.Cluster, name: String) throws(KubeConfigError) {
        let path = "clusters[\(name)].cluster"
        caPEM = try FileOrData.read(file: cluster.certificateAuthority, data: cluster.certificateAuthorityData,
                                    source: cluster.source, keyPath: "\(path).certificate-authority")
        insecure = cluster.insecureSkipTLSVerify
        serverName = cluster.tlsServerName.flatMap { $0.isEmpty ? nil : $0 }
        if insecure && caPEM != nil {
            throw KubeConfigError(.invalid, file: cluster.source, keyPath: "\(path).insecure-skip-tls-verify",
                                  "specifying a root certificates file with the insecure flag is not allowed; remove certificate-authority(-data) or insecure-skip-tls-verify")
        }
    }
}

/// A kubeconfig value given either as a file (`x`) or inline (`x-data`), never both.
enum FileOrData {
    static func read(file: String?, data: [UInt8]?, source: String, keyPath: String) throws(KubeConfigError) -> [UInt8]? {
        let file = file.flatMap { $0.isEmpty ? nil : $0 }
        if file != nil && data != nil {
            throw KubeConfigError(.invalid, file: source, keyPath: keyPath,
                                  "both \(leaf(keyPath)) and \(leaf(keyPath))-data are given; keep one")
        }
        if let data { return data }
        guard let file else { return nil }
        switch FileBytes.contents(of: file) {
        case .success(let bytes): return bytes
        case .failure(let failure):
            throw KubeConfigError(failure.missing ? .notFound : .unreadable, file: source, keyPath: keyPath,
                                  "unable to read \(leaf(keyPath)) \(file): \(failure.reason)")
        }
    }

    private static func leaf(_ keyPath: String) -> Substring {
        keyPath.split(separator: ".").last ?? Substring(keyPath)
    }
}
