/// Picks a kubeconfig user's bearer-token source in client-go's order: `token` (with `tokenFile`
/// re-read over it when both are set), then `tokenFile`, then the exec plugin unless a client
/// certificate already identifies us.
enum UserCredentials {
    static func resolve(
        _ user: KubeConfigFile.User, name: String, hasClientCertificate: Bool, clusterInfo: ExecClusterInfo,
        environment: [String: String]
    ) throws(KubeConfigError) -> Credentials {
        let path = "users[\(name)].user"
        if let key = user.unsupportedKeys.first {
            throw KubeConfigError(.invalid, file: user.source, keyPath: "\(path).\(key)",
                                  "\(unsupportedFeature(key)) is not supported by Sluice; use a token, tokenFile, client certificate or exec plugin")
        }
        let token = user.token.flatMap { $0.isEmpty ? nil : $0 }
        if let tokenFile = user.tokenFile, !tokenFile.isEmpty {
            if let token { return .tokenFile(tokenFile, fallback: token) }
            do {
                return .tokenFile(tokenFile, fallback: try TokenFileSource.readToken(tokenFile))
            } catch {
                throw KubeConfigError(error.kind, file: user.source, keyPath: "\(path).tokenFile", error.message)
            }
        }
        if let token { return .token(token) }
        if let exec = user.exec, !hasClientCertificate {
            let spec = try execSpec(exec, user: name, source: user.source)
            return .exec(spec, clusterInfo: spec.provideClusterInfo ? clusterInfo : nil, environment: environment)
        }
        return .none
    }

    /// Checks an exec entry as client-go does when the user is chosen, and defaults `interactiveMode`
    /// for v1beta1 only (v1 requires it).
    static func execSpec(_ exec: KubeConfigFile.Exec, user: String, source: String) throws(KubeConfigError) -> ExecCredentialSpec {
        let path = "users[\(user)].user.exec"
        func invalid(_ key: String, _ message: String) -> KubeConfigError {
            KubeConfigError(.invalid, file: source, keyPath: "\(path).\(key)", message)
        }
        guard let command = exec.command, !command.isEmpty else {
            throw invalid("command", "command must be specified for \(user) to use an exec plugin")
        }
        guard let apiVersion = exec.apiVersion, !apiVersion.isEmpty else {
            throw invalid("apiVersion", "apiVersion must be specified for \(user) to use an exec plugin; expected \(ExecCredentialSpec.supportedAPIVersions.joined(separator: " or "))")
        }
        guard ExecCredentialSpec.supportedAPIVersions.contains(apiVersion) else {
            throw invalid("apiVersion", "\"\(apiVersion)\" is not a supported exec plugin API version; expected \(ExecCredentialSpec.supportedAPIVersions.joined(separator: " or "))")
        }
        if let index = exec.env.firstIndex(where: { $0.name.isEmpty }) {
            throw invalid("env[\(index)].name", "env variable name must be specified for \(user) to use an exec plugin")
        }
        let mode: ExecCredentialSpec.InteractiveMode
        switch exec.interactiveMode.flatMap({ $0.isEmpty ? nil : $0 }) {
        case nil where apiVersion.hasSuffix("/v1beta1"):
            mode = .ifAvailable
        case nil:
            throw invalid("interactiveMode", "interactiveMode must be specified for \(user) to use an exec plugin with \(apiVersion); expected Never, IfAvailable or Always")
        case .some(let written):
            guard let parsed = ExecCredentialSpec.InteractiveMode(rawValue: written) else {
                throw invalid("interactiveMode", "invalid interactiveMode \"\(written)\"; expected Never, IfAvailable or Always")
            }
            mode = parsed
        }
        if mode == .always {
            throw invalid("interactiveMode", "exec plugin cannot support interactive mode Always: Sluice runs plugins without a terminal; use IfAvailable or Never")
        }
        return ExecCredentialSpec(
            apiVersion: apiVersion, command: command, args: exec.args, env: exec.env,
            installHint: exec.installHint.flatMap { $0.isEmpty ? nil : $0 }, interactiveMode: mode,
            provideClusterInfo: exec.provideClusterInfo, keyPath: path, sourceFile: source)
    }

    private static func unsupportedFeature(_ key: String) -> String {
        switch key {
        case "username", "password": return "basic authentication (username and password)"
        case "auth-provider": return "an auth-provider plugin"
        default: return "impersonation (\(key))"
        }
    }
}
