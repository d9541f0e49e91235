#if os(Linux)
import Foundation
import Glibc
import SluiceModel

/// The local backend's replicas: each a child process (its own process group) listening on its loopback port
/// (`$PORT`), its output appended to the replica's log, its pid recorded (`ReplicaRecord`) so the next server
/// kills what a dead one left behind.
struct ProcessReplicas: ReplicaBackend {
    /// Where secrets are read (the store's secrets folder, as for local tasks); nil: apps with secrets are refused.
    let secrets: LocalSecrets?

    func refusal(_ spec: AppSpec) -> String? {
        if spec.command.isEmpty {
            return "app '\(spec.name)' has no command: the local backend runs 'command' (an image alone needs the container backend: sluice serve --backend container)"
        }
        return secretsRefusal(spec, BackendCapabilities(backend: "local", runtimes: [.hostCommand], gpus: false, secretPaths: false), secrets)
    }

    func start(_ replica: ReplicaStart) async throws(AppRuntimeError) -> any ReplicaHandle {
        var launch = launch(replica)
        // Read at each start, as a task's are at each attempt: a secret changed in the folder reaches the next replica.
        if let secrets {
            for s in replica.spec.secrets {
                do throws(BackendError) {
                    launch.environment[LocalSecrets.variable(s)] = try secrets.value(s)
                } catch {
                    throw .cannotStart("app '\(replica.spec.name)': \(error.message)")
                }
            }
        }
        let process = try ReplicaProcess.start(launch)
        ReplicaRecord.write(folder: replica.folder, index: replica.index, generation: replica.generation, pid: process.pid)
        return LocalReplica(process: process,
                            record: ReplicaRecord.path(folder: replica.folder, index: replica.index, generation: replica.generation))
    }

    func removeLeftovers(under directory: String) async {
        ReplicaRecord.killLeftovers(under: directory)
    }

    private func launch(_ r: ReplicaStart) -> ReplicaLaunch {
        var environment: [String: String] = [:]
        for name in ["PATH", "HOME", "LANG", "TZ"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        environment["PATH"] = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for variable in r.spec.env { environment[variable.name] = variable.value }
        // Secrets (added by `start`) come over these; the server's own variables over both.
        environment["PORT"] = String(r.port)
        environment["SLUICE_APP"] = r.spec.name
        environment["SLUICE_REPLICA"] = String(r.index)
        return ReplicaLaunch(command: r.spec.command + r.spec.args, environment: environment, logPath: r.logPath,
                             workingDirectory: r.folder)
    }
}

/// A replica process and its pid record, removed once the process has ended.
struct LocalReplica: ReplicaHandle {
    let process: ReplicaProcess
    let record: String

    var pid: Int32? { process.pid }
    var container: String? { nil }
    var hasExited: Bool { process.hasExited }

    func hasStopped() async -> Bool { process.hasExited }

    func waitForExit() async -> ReplicaExit {
        let exit = await process.waitForExit()
        unlink(record)
        return exit
    }

    func stop(grace: Double) {
        process.signalGroup(SIGTERM)
        let process = self.process
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: grace)
            if !process.hasExited { process.signalGroup(SIGKILL) }
        }
    }

    func kill() {
        process.signalGroup(SIGKILL)
    }
}
#endif
