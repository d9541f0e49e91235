import Foundation

/// Where the bearer token comes from: nothing, a fixed token, a token file re-read as it rotates, or
/// an exec plugin whose answer is cached until it expires. Safe to use from any thread.
public final class Credentials: Sendable, CustomStringConvertible {
    enum Source: Sendable {
        case none
        case token(String)
        case tokenFile(TokenFileSource)
        case exec(ExecPluginSource)
    }

    let source: Source

    init(_ source: Source) {
        self.source = source
    }

    /// No bearer token (anonymous, or a client certificate alone).
    public static let none = Credentials(.none)

    /// A fixed token.
    public static func token(_ token: String) -> Credentials {
        Credentials(.token(token))
    }

    /// A token file, re-read every `refreshInterval` (client-go: one minute) and right after `invalidate()`.
    /// `clock` measures the interval; tests pass a manual one.
    public static func tokenFile<C: Clock>(
        _ path: String, refreshInterval: Duration = .seconds(60), clock: C = ContinuousClock()
    ) -> Credentials where C.Duration == Duration {
        tokenFile(path, fallback: nil, refreshInterval: refreshInterval, clock: clock)
    }

    /// As `tokenFile(_:refreshInterval:clock:)`; `fallback` is used when the file cannot be read and no
    /// token was read before (client-go sends the kubeconfig's `token`, or the token read at start).
    static func tokenFile<C: Clock>(
        _ path: String, fallback: String?, refreshInterval: Duration = .seconds(60), clock: C = ContinuousClock()
    ) -> Credentials where C.Duration == Duration {
        Credentials(.tokenFile(TokenFileSource(path: path, refreshInterval: refreshInterval, fallback: fallback, clock: clock)))
    }

    /// A client-go credential plugin, run in a child process when a token is first needed, when the last
    /// one expired, and after `invalidate()`. `environment` is the base of the plugin's environment;
    /// `now` tells the time expiry is measured against.
    public static func exec(
        _ spec: ExecCredentialSpec, clusterInfo: ExecClusterInfo? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        now: @escaping @Sendable () -> Date = { Date() }
    ) -> Credentials {
        Credentials(.exec(ExecPluginSource(spec: spec, clusterInfo: clusterInfo, environment: environment, now: now)))
    }

    /// The current token, or nil when there is none. May block: it reads a file or runs the exec plugin.
    public func bearerToken() throws(KubeConfigError) -> String? {
        switch source {
        case .none: return nil
        case .token(let token): return token
        case .tokenFile(let file): return try file.token()
        case .exec(let plugin): return try plugin.credential().token
        }
    }

    /// The client certificate an exec plugin returned, if any (may run the plugin, like `bearerToken()`).
    public func clientCertificate() throws(KubeConfigError) -> ExecClientCertificate? {
        guard case .exec(let plugin) = source else { return nil }
        return try plugin.credential().clientCertificate
    }

    /// Forgets any cached token after the server answered 401, so the next call re-reads the file or
    /// re-runs the plugin.
    public func invalidate() {
        switch source {
        case .none, .token: break
        case .tokenFile(let file): file.invalidate()
        case .exec(let plugin): plugin.invalidate()
        }
    }

    /// What kind of source this is, for logs; never the token itself.
    public var description: String {
        switch source {
        case .none: return "no credentials"
        case .token: return "a fixed token"
        case .tokenFile(let file): return "the token file \(file.path)"
        case .exec(let plugin): return "the exec plugin \(plugin.spec.command)"
        }
    }
}
