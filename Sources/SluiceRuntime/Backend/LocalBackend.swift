#if os(Linux)
import Foundation
import SluiceEngine
import SluiceModel

/// The embedded default backend: each attempt is a process on this machine under its own supervisor
/// (`LocalRunner`). `image:` is not used; `working_dir` is the task's folder (relative paths under the
/// attempt's `work/`); secrets come from `LocalSecrets` as environment variables.
public final class LocalBackend: AttemptBackend {
    public let name = "local"
    public let runner: LocalRunner
    public let secrets: LocalSecrets

    public var capabilities: BackendCapabilities {
        BackendCapabilities(backend: name, runtimes: [.hostCommand], gpus: false, secretPaths: false)
    }

    public init(root: String, secrets: LocalSecrets, supervisorPath: String? = nil, taskUser: TaskUser? = nil) throws {
        runner = try LocalRunner(root: root, supervisorPath: supervisorPath, taskUser: taskUser)
        self.secrets = secrets
    }

    public func observe(_ receiver: @escaping @Sendable (String, Observation) -> Void) {
        // Delivered on the runner's watcher thread, never through a task on the cooperative pool.
        runner.deliverObservations { [runner] o in receiver(o.handle.runID, Self.observation(o, runner: runner)) }
    }

    public func start(_ spec: AttemptSpec, extraEnvironment: [String: String]) throws(BackendError) {
        var launch = Self.launch(spec)
        launch.environment.merge(extraEnvironment) { _, extra in extra }
        for s in spec.task.secrets { launch.environment[LocalSecrets.variable(s)] = try secrets.value(s) }
        do {
            _ = try runner.start(launch)
        } catch let error as LocalRunnerError {
            // Only what the task itself asks for is its fault; anything about this machine is the system's.
            let kind: BackendError.Kind = switch error {
            case .emptyCommand, .invalidArgument: .user
            case .supervisorNotFound, .supervisorUnusable, .fileSystem, .spawnFailed, .taskUserNeedsRoot: .system
            }
            throw BackendError("cannot start \(spec.runID)/\(spec.ref): \(error)", kind: kind)
        } catch {
            throw BackendError("cannot start \(spec.runID)/\(spec.ref): \(error)")
        }
    }

    public func cancel(runID: String, attempt: AttemptRef, grace: Duration) {
        runner.cancel(handle(runID: runID, attempt), grace: grace)
    }

    public func adopt(runID: String) -> Set<AttemptRef> {
        Set(runner.adopt(runID: runID).map(Self.ref))
    }

    public func location(runID: String, attempt: AttemptRef) -> String? {
        handle(runID: runID, attempt).directory
    }

    private func handle(runID: String, _ ref: AttemptRef) -> AttemptHandle {
        let purpose: AttemptLaunch.Purpose = ref.purpose == .revert ? .revert : .run
        let dir = AttemptFolder(root: runner.root, runID: runID, nodeID: ref.node, attempt: ref.attempt, purpose: purpose).path
        return AttemptHandle(runID: runID, nodeID: ref.node, attempt: ref.attempt, purpose: purpose, directory: dir)
    }

    static func ref(_ h: AttemptHandle) -> AttemptRef {
        AttemptRef(node: h.nodeID, attempt: h.attempt, purpose: h.purpose == .revert ? .revert : .run)
    }

    /// The engine's attempt spec as a local launch: argv, environment, inputs, limits, working folder.
    static func launch(_ spec: AttemptSpec) -> AttemptLaunch {
        var env: [String: String] = [:]
        for e in spec.env { env[e.name] = e.value }
        let memory = (spec.resources.limits.memory ?? spec.resources.requests.memory).map { Int64(clamping: $0.milliValue / 1000) }
        let cpu = spec.resources.limits.cpu.map { Int64(clamping: $0.milliValue) }
        var workingDirectory: String?
        if spec.ref.purpose == .run, case .container(let c) = spec.task.runtime { workingDirectory = c.workingDir }
        return AttemptLaunch(runID: spec.runID, nodeID: spec.ref.node, attempt: spec.ref.attempt,
                             purpose: spec.ref.purpose == .revert ? .revert : .run, command: spec.command,
                             environment: env, inputsJSON: spec.inputsJSON, memoryLimitBytes: memory, cpuLimitMillis: cpu,
                             workingDirectory: workingDirectory)
    }

    /// What the runner saw, as the engine's observation.
    static func observation(_ o: AttemptObservation, runner: LocalRunner) -> Observation {
        let ref = Self.ref(o.handle)
        switch o {
        case .started(_, _, let at): return .attemptStarted(ref, at: StateCoding.timestamp(at))
        case .exited(_, let r):
            let tail = r.exitCode == 0 ? nil : StderrTail.read(runner.logPaths(o.handle).stderr)
            return .attemptExited(ref, AttemptExit(
                exitCode: r.exitCode, signal: r.signal, killedByUs: r.killedByUs, oomKilled: r.oomKilled,
                outputsJSON: r.outputsJSON, outputsError: r.outputsError, maxRSSBytes: r.maxRSSBytes, cpuMillis: r.cpuMillis,
                detail: tail, startedAt: StateCoding.timestamp(r.startedAt), finishedAt: StateCoding.timestamp(r.finishedAt)))
        case .lost(_, let reason): return .attemptLost(ref, reason: reason)
        case .progress(_, let p): return .progress(ref, Progress(fraction: p.progress, message: p.message, metrics: p.metrics))
        }
    }
}

/// The last lines of an attempt's stderr, for the failure message.
enum StderrTail {
    static func read(_ path: String, maxBytes: Int = 2048, lines: Int = 5) -> String? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        let size = (try? h.seekToEnd()) ?? 0
        try? h.seek(toOffset: size > UInt64(maxBytes) ? size - UInt64(maxBytes) : 0)
        let data = (try? h.readToEnd()) ?? Data()
        let text = String(decoding: data, as: UTF8.self).split(separator: "\n").suffix(lines).joined(separator: " | ")
        return text.isEmpty ? nil : String(text)
    }
}
#endif
