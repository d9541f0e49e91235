import ArgumentParser
import DockerEngine
import Foundation
import SluicePlugin
import SluiceRuntime

/// `--backend local|container|kubernetes`, `--engine unix:///path.sock` and the Kubernetes options: where a
/// run's attempts run.
struct BackendOption: ParsableArguments {
    @Option(help: "Where attempts run: local (processes on this machine, the default), container (each task in its image through the Docker Engine API: Docker or Podman) or kubernetes (each attempt a pod).")
    var backend: String?

    @Option(help: ArgumentHelp("With the local backend: the most attempts this sluice process (one run, or one server) runs at once; the rest wait, shown as queued. Default: twice the cores, at least 4.", valueName: "n"))
    var maxLocalAttempts: Int?

    @OptionGroup(title: "Kubernetes backend") var kubernetes: KubernetesOptions

    @Option(help: "The container engine's socket, e.g. unix:///run/podman/podman.sock. Default: $DOCKER_HOST, then /var/run/docker.sock, then Podman's rootful and rootless sockets (`sluice doctor` shows which answers).")
    var engine: String?

    func validate() throws {
        if let maxLocalAttempts {
            guard maxLocalAttempts >= 1 else { throw ValidationError("--max-local-attempts takes a whole number of at least 1; found \(maxLocalAttempts)") }
            if let backend, backend != "local" { throw ValidationError("--max-local-attempts goes with the local backend") }
        }
        if let backend, !["local", "container", "kubernetes"].contains(backend) {
            throw ValidationError("--backend takes local, container or kubernetes; found '\(backend)'")
        }
        if kubernetes.anyGiven, backend != "kubernetes" {
            throw ValidationError("the Kubernetes options (--namespace, --kubeconfig, --max-pods, ...) go with --backend kubernetes")
        }
        if let engine, EngineEndpoint.parse(engine, source: "--engine") == nil {
            throw ValidationError("--engine takes a unix socket address such as unix:///var/run/docker.sock; found '\(engine)'")
        }
        if engine != nil, let backend, backend != "container" {
            throw ValidationError("--engine goes with --backend container")
        }
    }

    /// Whether any backend option was given (a run sent to a server takes none: the server's backend runs it).
    var anyGiven: Bool { backend != nil || engine != nil || maxLocalAttempts != nil || kubernetes.anyGiven }

    /// The backend named `name` over the store in `storeDirectory`.
    /// `taskUser`: the account local tasks run as (`serve --run-as`); nil runs them as this process's user.
    /// `extra`: plugins beyond `TaskPlugins.all` (`serve`'s deploy steps on the local and Kubernetes backends).
    func make(_ name: String, storeDirectory: String, taskUser: TaskUser? = nil, extra: [any TaskPlugin] = []) throws -> any AttemptBackend {
        if name == "kubernetes" {
            return TaskPlugins.wrap(try kubernetes.backend(storeDirectory: storeDirectory), storeDirectory: storeDirectory, extra: extra)
        }
        return try Self.make(name, engine: engine, storeDirectory: storeDirectory, maxLocalAttempts: maxLocalAttempts, taskUser: taskUser, extra: extra)
    }

    /// The backend flags that were given, for a background `sluice resume` of the same run.
    var passThrough: [String] {
        var a: [String] = []
        if let engine { a += ["--engine", engine] }
        if let maxLocalAttempts { a += ["--max-local-attempts", String(maxLocalAttempts)] }
        if backend == "kubernetes" { a += ["--backend", "kubernetes"] + kubernetes.arguments }
        return a
    }

    /// The backend named `name`; `engine` picks the container engine's socket (nil: discovery).
    static func make(_ name: String, engine: String?, storeDirectory: String, maxLocalAttempts: Int? = nil,
                     taskUser: TaskUser? = nil, extra: [any TaskPlugin] = []) throws -> any AttemptBackend {
        TaskPlugins.wrap(try bare(name, engine: engine, storeDirectory: storeDirectory, maxLocalAttempts: maxLocalAttempts, taskUser: taskUser),
                         storeDirectory: storeDirectory, extra: extra)
    }

    private static func bare(_ name: String, engine: String?, storeDirectory: String, maxLocalAttempts: Int?,
                             taskUser: TaskUser?) throws -> any AttemptBackend {
        let secrets = LocalSecrets(directory: LocalSecrets.directory(forStore: storeDirectory))
        switch name {
        case "container":
            let discovery = Blocking.run { await EngineDiscovery.run(explicit: engine) }
            guard let found = discovery.found else { throw CLIError.input(discovery.failure) }
            return ContainerBackend(client: EngineClient(endpoint: found.endpoint), root: storeDirectory + "/attempts", secrets: secrets)
        case "kubernetes":
            // Defaults (in-cluster, else $KUBECONFIG); `resume --backend kubernetes --namespace ...` for others.
            return try KubernetesOptions.parse([]).backend(storeDirectory: storeDirectory)
        case "local":
            do {
                return try Controller.localBackend(directory: storeDirectory, taskUser: taskUser, maxLocalAttempts: maxLocalAttempts)
            } catch let error as LocalRunnerError {
                throw CLIError.input("\(error)")
            } catch {
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
