import ArgumentParser
import DockerEngine
import Foundation
import SluiceRuntime

/// `--backend local|container` and `--engine unix:///path.sock`: where a run's attempts run.
struct BackendOption: ParsableArguments {
    @Option(help: "Where attempts run: local (processes on this machine, the default) or container (each task in its image through the Docker Engine API: Docker or Podman).")
    var backend: String?

    @Option(help: "The container engine's socket, e.g. unix:///run/podman/podman.sock. Default: $DOCKER_HOST, then /var/run/docker.sock, then Podman's rootful and rootless sockets (`sluice doctor` shows which answers).")
    var engine: String?

    func validate() throws {
        if let backend, !["local", "container"].contains(backend) {
            if backend == "kubernetes" { throw ValidationError("--backend kubernetes is not available yet; use --backend local or container") }
            throw ValidationError("--backend takes local or container; found '\(backend)'")
        }
        if let engine, EngineEndpoint.parse(engine, source: "--engine") == nil {
            throw ValidationError("--engine takes a unix socket address such as unix:///var/run/docker.sock; found '\(engine)'")
        }
        if engine != nil, let backend, backend != "container" {
            throw ValidationError("--engine goes with --backend container")
        }
    }

    /// The backend named `name` over the store in `storeDirectory`.
    func make(_ name: String, storeDirectory: String) throws -> any AttemptBackend {
        try Self.make(name, engine: engine, storeDirectory: storeDirectory)
    }

    /// The backend named `name`; `engine` picks the container engine's socket (nil: discovery).
    static func make(_ name: String, engine: String?, storeDirectory: String) throws -> any AttemptBackend {
        let secrets = LocalSecrets(directory: LocalSecrets.directory(forStore: storeDirectory))
        switch name {
        case "container":
            let discovery = Blocking.run { await EngineDiscovery.run(explicit: engine) }
            guard let found = discovery.found else { throw CLIError.input(discovery.failure) }
            return ContainerBackend(client: EngineClient(endpoint: found.endpoint), root: storeDirectory + "/attempts", secrets: secrets)
        case "local":
            do { return try LocalBackend(root: storeDirectory + "/attempts", secrets: secrets) } catch {
                throw CLIError.input("cannot open the local backend at \(storeDirectory): \(error)")
            }
        default:
            throw CLIError.input("run uses the '\(name)' backend, which this sluice does not have")
        }
    }
}

/// Runs async work from the CLI's synchronous commands (never on the Swift pool itself).
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            box.value = await body()
            done.signal()
        }
        done.wait()
        return box.value!
    }

    private final class ResultBox<T>: @unchecked Sendable {
        var value: T?
    }
}
