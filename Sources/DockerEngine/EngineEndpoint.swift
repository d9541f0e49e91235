import Foundation

/// Where a Docker-API engine listens: a unix socket, and how it was chosen.
public struct EngineEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var socketPath: String
    /// Why this socket: `--engine`, `DOCKER_HOST`, `Docker's default socket`, `Podman (rootful)`, ...
    public var source: String

    public init(socketPath: String, source: String) {
        self.socketPath = socketPath
        self.source = source
    }

    public var description: String { "unix://\(socketPath) (\(source))" }

    /// Parses `unix:///path.sock` (or a bare absolute path); nil for other schemes (tcp, ssh, npipe).
    public static func parse(_ address: String, source: String) -> EngineEndpoint? {
        if address.hasPrefix("unix://") {
            let path = String(address.dropFirst("unix://".count))
            return path.hasPrefix("/") ? EngineEndpoint(socketPath: path, source: source) : nil
        }
        return address.hasPrefix("/") ? EngineEndpoint(socketPath: address, source: source) : nil
    }

    /// The places to look, in order: `explicit` (`--engine`), `DOCKER_HOST`, `/var/run/docker.sock`,
    /// Podman's rootful socket, then the rootless one of this user. A candidate that is not a unix socket
    /// address comes back with the reason it cannot be used.
    public static func candidates(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> [(endpoint: EngineEndpoint?, address: String, source: String, problem: String?)]
    {
        var out: [(EngineEndpoint?, String, String, String?)] = []
        func add(_ address: String, _ source: String) {
            if let e = parse(address, source: source) {
                out.append((e, address, source, nil))
            } else {
                out.append((nil, address, source, "only unix:// sockets are supported"))
            }
        }
        if let explicit {
            add(explicit, "--engine")
            return out
        }
        if let host = environment["DOCKER_HOST"], !host.isEmpty {
            add(host, "DOCKER_HOST")
            return out
        }
        add("unix:///var/run/docker.sock", "Docker's default socket")
        add("unix:///run/podman/podman.sock", "Podman, rootful")
        let runtime = environment["XDG_RUNTIME_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/run/user/\(getuid())"
        add("unix://\(runtime)/podman/podman.sock", "Podman, rootless")
        return out
    }
}
