import Foundation

/// What an exec plugin printed: an `ExecCredential` with a token and/or a client certificate, and
/// when they expire.
struct ExecCredentialOutput: Sendable {
    var token: String?
    var clientCertificate: ExecClientCertificate?
    var expiration: Date?

    /// client-go uses a credential until the moment after its expiry; none means until invalidated.
    func isExpired(at now: Date) -> Bool {
        expiration.map { now > $0 } ?? false
    }

    /// Parses and checks the plugin's stdout as client-go does.
    static func parse(_ stdout: [UInt8], spec: ExecCredentialSpec) throws(KubeConfigError) -> ExecCredentialOutput {
        func failure(_ message: String) -> KubeConfigError {
            KubeConfigError(.credentials, file: spec.sourceFile, keyPath: spec.keyPath, "exec plugin \"\(spec.command)\" \(message)")
        }
        guard let document = try? JSONValue.parse(stdout), document.objectValue != nil else {
            throw failure("wrote \(stdout.count) bytes to stdout that are not a JSON ExecCredential object")
        }
        let apiVersion = document["apiVersion"]?.stringValue ?? ""
        guard apiVersion == spec.apiVersion else {
            throw failure("is configured to use API version \(spec.apiVersion), but returned version \(apiVersion.isEmpty ? "(none)" : apiVersion)")
        }
        let kind = document["kind"]?.stringValue ?? ""
        guard kind == "ExecCredential" else {
            throw failure("returned kind \"\(kind)\"; expected \"ExecCredential\"")
        }
        guard let status = document["status"], status.objectValue != nil else {
            throw failure("didn't return a status field")
        }
        func string(_ key: String) throws(KubeConfigError) -> String {
            guard let value = status[key], !value.isNull else { return "" }
            guard let text = value.stringValue else { throw failure("returned status.\(key) that is not a string") }
            return text
        }
        let token = try string("token"), certificate = try string("clientCertificateData"), key = try string("clientKeyData")
        if token.isEmpty && certificate.isEmpty && key.isEmpty {
            throw failure("didn't return a token or cert/key pair")
        }
        if certificate.isEmpty != key.isEmpty {
            throw failure("returned only certificate or key, not both")
        }
        var output = ExecCredentialOutput(token: token.isEmpty ? nil : token)
        if !certificate.isEmpty {
            output.clientCertificate = ExecClientCertificate(certificatePEM: Array(certificate.utf8), keyPEM: Array(key.utf8))
        }
        let stamp = try string("expirationTimestamp")
        if !stamp.isEmpty {
            guard let date = RFC3339.parse(stamp) else {
                throw failure("returned status.expirationTimestamp \"\(stamp)\"; expected an RFC 3339 time such as 2030-01-02T15:04:05Z")
            }
            output.expiration = date
        }
        return output
    }

    /// The `KUBERNETES_EXEC_INFO` value: the ExecCredential request, with the cluster when asked for.
    static func execInfo(_ spec: ExecCredentialSpec, cluster: ExecClusterInfo?) -> String {
        var request = JSONObject()
        if spec.provideClusterInfo, let cluster {
            var info: JSONObject = ["server": .string(cluster.server)]
            info["tls-server-name"] = cluster.tlsServerName.map(JSONValue.string)
            info["insecure-skip-tls-verify"] = cluster.insecureSkipTLSVerify ? true : nil
            info["certificate-authority-data"] = cluster.certificateAuthorityData.map { .string(Base64.encode($0)) }
            info["proxy-url"] = cluster.proxyURL.map(JSONValue.string)
            info["disable-compression"] = cluster.disableCompression ? true : nil
            info["config"] = cluster.config
            request["cluster"] = .object(info)
        }
        request["interactive"] = false
        let credential: JSONObject = ["apiVersion": .string(spec.apiVersion), "kind": "ExecCredential", "spec": .object(request)]
        return JSONValue.object(credential).jsonText
    }
}
