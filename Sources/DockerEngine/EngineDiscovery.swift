import Foundation

/// The outcome of looking for an engine: the first candidate that answered, and what each one tried said.
public struct EngineDiscovery: Sendable {
    /// One place looked at.
    public struct Attempt: Sendable {
        public var address: String
        public var source: String
        /// The engine that answered there, or nil.
        public var version: EngineVersion?
        /// Why it cannot be used (no socket, no answer, not a unix socket); nil when it answered.
        public var problem: String?
    }

    public var tried: [Attempt]
    /// The endpoint and version of the first candidate that answered.
    public var found: (endpoint: EngineEndpoint, version: EngineVersion)?

    /// Tries the candidates in order (`EngineEndpoint.candidates`) and stops at the first that answers
    /// `/version`.
    public static func run(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) async -> EngineDiscovery {
        var out = EngineDiscovery(tried: [], found: nil)
        for c in EngineEndpoint.candidates(explicit: explicit, environment: environment) {
            guard let endpoint = c.endpoint else {
                out.tried.append(Attempt(address: c.address, source: c.source, version: nil, problem: c.problem))
                continue
            }
            var info = stat()
            guard stat(endpoint.socketPath, &info) == 0 else {
                out.tried.append(Attempt(address: c.address, source: c.source, version: nil, problem: "no such socket"))
                continue
            }
            guard (info.st_mode & S_IFMT) == S_IFSOCK else {
                out.tried.append(Attempt(address: c.address, source: c.source, version: nil, problem: "not a unix socket"))
                continue
            }
            do {
                // Liveness from the cheap `_ping`; the product and version from `/version`, which a busy
                // Podman may be slow to answer: an engine that pinged is used even when that times out.
                let client = EngineClient(endpoint: endpoint)
                let pinged = try await client.pingVersion()
                let version = (try? await client.version()) ?? pinged
                out.tried.append(Attempt(address: c.address, source: c.source, version: version, problem: nil))
                out.found = (endpoint, version)
                return out
            } catch {
                out.tried.append(Attempt(address: c.address, source: c.source, version: nil, problem: (error as? EngineError)?.message ?? "\(error)"))
            }
        }
        return out
    }

    /// One sentence for an error: why no engine can be used.
    public var failure: String {
        let list = tried.map { "\($0.address) (\($0.source)): \($0.problem ?? "answered")" }.joined(separator: "; ")
        return "no container engine answers: \(list). Start Docker or `podman system service`, or pass --engine unix:///path.sock"
    }
}
