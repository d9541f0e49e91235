import Foundation

/// Writes a kubeconfig pointing at a running KubeSim, for kubectl-style clients and the Python client.
enum Kubeconfig {
    enum Credential {
        case clientCertificate(certificate: String, key: String)
        case token(String)
        case none
    }

    static func write(to path: String, server: String, user: String, caCertificate: String?, credential: Credential) throws {
        var cluster = "    server: \(server)\n"
        if let caCertificate { cluster += "    certificate-authority: \(caCertificate)\n" }
        var userBlock: String
        switch credential {
        case .clientCertificate(let certificate, let key):
            userBlock = "    client-certificate: \(certificate)\n    client-key: \(key)\n"
        case .token(let token):
            userBlock = "    token: \(token)\n"
        case .none:
            userBlock = "    {}\n"
        }
        let text = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: kubesim
          cluster:
        \(cluster)users:
        - name: \(user)
          user:
        \(userBlock)contexts:
        - name: kubesim
          context:
            cluster: kubesim
            user: \(user)
            namespace: default
        current-context: kubesim
        preferences: {}

        """
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
}
