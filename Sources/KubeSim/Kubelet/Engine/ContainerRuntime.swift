import DockerEngine
import Foundation

/// Where `--run-commands` runs a pod's containers: through a Docker Engine API (`engine`), as local
/// processes (`host`), or through an engine when one answers and as processes otherwise (`auto`).
public enum ContainerRuntimeChoice: String, Sendable, CaseIterable {
    case auto, engine, host
}

/// A container the kubelet started (a local process or an engine container): what stopping it needs.
protocol RunningContainer: Sendable {
    /// Sends `signal` to the container's processes.
    func send(_ signal: Int32)
}

extension ContainerProcess: RunningContainer {}

/// `--runtime engine` found no engine to use.
public struct ContainerRuntimeError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// The runtime a kubelet settled on, and the sentence it logs about it.
struct ContainerRuntime: Sendable {
    /// The engine, or nil for local processes.
    var engine: EngineClient?
    var summary: String

    /// Chooses per `choice`: `engine` throws when no engine answers at `address` (or the usual places).
    static func choose(_ choice: ContainerRuntimeChoice, address: String?) async throws -> ContainerRuntime {
        if choice == .host {
            return ContainerRuntime(engine: nil, summary: "--run-commands runs containers as local processes (--runtime host)")
        }
        let discovery = await EngineDiscovery.run(explicit: address)
        if let found = discovery.found {
            return ContainerRuntime(engine: EngineClient(endpoint: found.endpoint),
                                    summary: "--run-commands runs containers in \(found.version.product) \(found.version.version) at \(found.endpoint)")
        }
        if choice == .engine { throw ContainerRuntimeError(description: "--runtime engine: \(discovery.failure)") }
        return ContainerRuntime(engine: nil, summary: "--run-commands runs containers as local processes: \(discovery.failure)")
    }
}

extension ContainerRuntimeChoice {
    /// Throws why this choice cannot run containers (`engine` with no engine answering at `engineAddress` or
    /// the usual places); lets a command fail before it serves instead of serving without a kubelet.
    public func check(engineAddress: String?) async throws {
        _ = try await ContainerRuntime.choose(self, address: engineAddress)
    }
}
