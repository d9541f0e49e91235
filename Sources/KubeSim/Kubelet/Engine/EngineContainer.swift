import DockerEngine
import Foundation
import Synchronization

/// A container the kubelet runs through a Docker Engine API: created, started, its output copied into
/// the pod's log book, its exit reported once it has stopped and its output is drained.
final class EngineContainer: RunningContainer {
    /// How the container ended, in the kubelet's words.
    struct End: Sendable {
        var exitCode: Int32
        /// `OOMKilled` or `StartError`; nil for an ordinary exit (`Completed` / `Error`).
        var reason: String?
        var message: String?
    }

    let client: EngineClient
    let name: String
    /// A signal was sent by the kubelet (the pod is being deleted or ended): a 137 is then ours, not OOM.
    private let signalled = Mutex(false)

    private init(client: EngineClient, name: String) {
        self.client = client
        self.name = name
    }

    /// Creates and starts the container in the background; `onExit` runs once it has stopped (or failed
    /// to start) and its output is in `log`.
    static func start(_ spec: EngineContainerSpec, client: EngineClient, log: ContainerLog,
                      onExit: @escaping @Sendable (End) -> Void) -> EngineContainer {
        let container = EngineContainer(client: client, name: spec.name)
        Task { onExit(await container.run(spec.config, log: log)) }
        return container
    }

    func send(_ signal: Int32) {
        signalled.withLock { $0 = true }
        let (client, name) = (self.client, self.name)
        let word = signal == SIGKILL ? "KILL" : signal == SIGTERM ? "TERM" : "\(signal)"
        Task { try? await client.killContainer(name, signal: word) }
    }

    private func run(_ config: ContainerConfig, log: ContainerLog) async -> End {
        let id: String
        do {
            id = try await create(config)
            if signalled.withLock({ $0 }) { return End(exitCode: 137) }
            try await client.startContainer(id)
        } catch {
            let message = (error as? EngineError)?.message ?? "\(error)"
            log.append("kubesim: the engine could not start the container: \(message)\n")
            return End(exitCode: 128, reason: "StartError", message: message)
        }
        let client = self.client
        let copying = Task {
            do {
                for try await frame in client.logs(id, follow: true) { log.append(frame.bytes) }
            } catch is CancellationError {
            } catch {
                log.append("kubesim: the engine's log stream broke: \(error)\n")
            }
        }
        do {
            let code = try await client.waitContainer(id)
            // A followed log ends when the container stops; an engine that keeps it open is not waited for.
            await Self.finish(copying, within: .seconds(10))
            let info = try await client.inspectContainer(id)
            let exitCode = info?.exitCode ?? code
            // Podman (conmon 2.1.6) may leave OOMKilled false: a SIGKILL nobody here sent, under a memory
            // limit, is the kernel's OOM killer.
            let limited = (info?.memoryLimit ?? config.host.memory) > 0
            let oom = info?.oomKilled == true || (exitCode == 137 && limited && !signalled.withLock({ $0 }))
            return End(exitCode: exitCode, reason: oom ? "OOMKilled" : nil)
        } catch {
            copying.cancel()
            return End(exitCode: 255, reason: "ContainerStatusUnknown", message: "\(error)")
        }
    }

    /// Waits for `task` at most `limit`, then cancels it.
    static func finish(_ task: Task<Void, Never>, within limit: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await task.value }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            // Ends the copy if it is still going, so the group's other child returns too.
            task.cancel()
            group.cancelAll()
        }
    }

    /// Creates the container; a leftover with the same name (an earlier KubeSim that died) is replaced.
    private func create(_ config: ContainerConfig) async throws -> String {
        do {
            return try await client.createContainer(name: name, config)
        } catch let error as EngineError where error.isConflict {
            try await client.removeContainer(name, force: true)
            return try await client.createContainer(name: name, config)
        }
    }
}
