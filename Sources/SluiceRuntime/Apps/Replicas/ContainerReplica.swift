#if os(Linux)
import DockerEngine
import Foundation
import Synchronization

/// One replica's container from its start to its removal: its log is copied into the replica's log while it
/// runs; once the engine says it stopped, its exit is read (code, out of memory), the rest of its log copied,
/// and the container removed; then `waitForExit` returns.
final class ContainerReplica: ReplicaHandle {
    let client: EngineClient
    let id: String
    private let memoryLimit: Int64
    private struct State {
        var exit: ReplicaExit?
        var waiters: [CheckedContinuation<ReplicaExit, Never>] = []
        /// A stop or kill of ours was sent: a 137 is not blamed on memory.
        var stoppedByUs = false
    }
    private let state = Mutex(State())

    private init(client: EngineClient, id: String, memoryLimit: Int64) {
        self.client = client
        self.id = id
        self.memoryLimit = memoryLimit
    }

    /// Follows the started container `id` to its end in the background.
    static func follow(client: EngineClient, id: String, logPath: String, memoryLimit: Int64) -> ContainerReplica {
        let replica = ContainerReplica(client: client, id: id, memoryLimit: memoryLimit)
        Task.detached { await replica.run(logPath: logPath) }
        return replica
    }

    var pid: Int32? { nil }
    var container: String? { String(id.prefix(12)) }
    var hasExited: Bool { state.withLock { $0.exit != nil } }

    func hasStopped() async -> Bool {
        if hasExited { return true }
        guard let info = try? await client.inspectContainer(id) else { return false }
        return !info.running
    }

    func waitForExit() async -> ReplicaExit {
        await withCheckedContinuation { continuation in
            let done: ReplicaExit? = state.withLock { s in
                if let exit = s.exit { return exit }
                s.waiters.append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    func stop(grace: Double) {
        state.withLock { $0.stoppedByUs = true }
        let seconds = max(0, Int(grace.rounded(.up)))
        Task.detached { [client, id] in try? await client.stopContainer(id, timeoutSeconds: seconds) }
    }

    func kill() {
        state.withLock { $0.stoppedByUs = true }
        Task.detached { [client, id] in try? await client.killContainer(id) }
    }

    private func run(logPath: String) async {
        // stdout and stderr both go to the replica's one log, after what earlier runs wrote.
        let sink = LogFile(logPath, append: true).map { AttemptLogSink(out: $0, err: $0) }
        let following = Task { await copyLog(into: sink, follow: true) }
        await waitStopped()
        // Podman may never close a followed log: read what is still missing from the start instead.
        following.cancel()
        await copyLog(into: sink, follow: false)
        let exit = await readExit()
        _ = try? await client.removeContainer(id, force: true)
        let waiters = state.withLock { s in
            s.exit = exit
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume(returning: exit) }
    }

    /// Returns once the container stopped or is gone; a lost connection to the engine is followed by inspects.
    private func waitStopped() async {
        while true {
            do {
                _ = try await client.waitContainer(id)
                return
            } catch {
                do {
                    guard let info = try await client.inspectContainer(id), !info.hasExited else { return }
                } catch {}
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    private func readExit() async -> ReplicaExit {
        guard let info = try? await client.inspectContainer(id) else {
            return ReplicaExit(code: -1, signal: nil, detail: "its container vanished before its exit was read")
        }
        let limit = info.memoryLimit > 0 ? info.memoryLimit : memoryLimit
        let ours = state.withLock { $0.stoppedByUs }
        // Podman (conmon) may leave OOMKilled false: a SIGKILL exit under a memory limit we did not send is OOM.
        let oom = info.oomKilled || (info.exitCode == 137 && limit > 0 && !ours)
        let detail: String?
        if oom {
            detail = "out of memory: memory limit \(ContainerBackend.describe(bytes: limit))"
        } else if !info.error.isEmpty {
            detail = info.error
        } else if info.exitCode == 137 {
            detail = "SIGKILL"
        } else if info.exitCode == 143 {
            detail = "SIGTERM"
        } else {
            detail = nil
        }
        return ReplicaExit(code: info.exitCode, signal: nil, detail: detail)
    }

    private func copyLog(into sink: AttemptLogSink?, follow: Bool) async {
        guard let sink else { return }
        let reader = sink.begin()
        do {
            for try await frame in client.logs(id, follow: follow) { sink.append(frame, from: reader) }
        } catch {}
    }
}
#endif
