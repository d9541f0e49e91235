#if os(Linux)
import Foundation
import SluiceEngine
import SluiceModel
import Synchronization

/// The embedded default backend: each attempt is a process on this machine under its own supervisor
/// (`LocalRunner`). `image:` is not used; `working_dir` is the task's folder (relative paths under the
/// attempt's `work/`); secrets come from `LocalSecrets` as environment variables.
public final class LocalBackend: AttemptBackend {
    public let name = "local"
    public let runner: LocalRunner
    public let secrets: LocalSecrets
    /// At most this many attempts of this backend (one per sluice process) run at once; the rest wait, in the order they were started, and
    /// show as queued with a note saying why.
    public let maxRunning: Int
    private let slots = Mutex(LocalSlots())
    /// Starts attempts that waited for a slot, off the runner's watcher thread and off the cooperative pool.
    private let starter = DispatchQueue(label: "sluice.local.slots")

    /// The default limit on attempts running at once: twice the cores, at least 4.
    public static var defaultMaxRunning: Int { max(4, 2 * ProcessInfo.processInfo.activeProcessorCount) }

    public var capabilities: BackendCapabilities {
        BackendCapabilities(backend: name, runtimes: [.hostCommand], gpus: false, secretPaths: false)
    }

    public init(root: String, secrets: LocalSecrets, supervisorPath: String? = nil, taskUser: TaskUser? = nil,
                maxRunning: Int? = nil) throws {
        runner = try LocalRunner(root: root, supervisorPath: supervisorPath, taskUser: taskUser)
        self.secrets = secrets
        self.maxRunning = max(1, maxRunning ?? Self.defaultMaxRunning)
    }

    public func observe(_ receiver: @escaping @Sendable (String, Observation) -> Void) {
        slots.withLock { $0.receiver = receiver }
        // Delivered on the runner's watcher thread, never through a task on the cooperative pool.
        runner.deliverObservations { [weak self, runner] o in
            switch o {
            case .exited, .lost: self?.freeSlot(AttemptKey(runID: o.handle.runID, ref: Self.ref(o.handle)))
            case .started, .progress: break
            }
            receiver(o.handle.runID, Self.observation(o, runner: runner))
        }
    }

    /// Starts the attempt when a slot is free; otherwise it waits in line and is reported as waiting.
    public func start(_ spec: AttemptSpec, extraEnvironment: [String: String]) throws(BackendError) {
        let key = AttemptKey(runID: spec.runID, ref: spec.ref)
        enum Decision { case known, run, wait(String) }
        let decision = slots.withLock { s -> Decision in
            if s.running.contains(key) || s.waiting.contains(where: { $0.key == key }) { return .known }
            if s.running.count < maxRunning {
                s.running.insert(key)
                return .run
            }
            s.waiting.append(LocalSlots.Waiting(key: key, spec: spec, extraEnvironment: extraEnvironment))
            return .wait("queued: \(s.running.count) local attempts are running, the most at once (--max-local-attempts \(maxRunning))")
        }
        switch decision {
        case .known: return
        case .wait(let note):
            let receiver = slots.withLock { $0.receiver }
            receiver?(spec.runID, .progress(spec.ref, Progress(message: note)))
        case .run:
            do { try launch(spec, extraEnvironment: extraEnvironment) } catch {
                freeSlot(key)
                throw error
            }
        }
    }

    /// Gives `key`'s slot back (its attempt ended or never began) and starts the attempts that now fit.
    private func freeSlot(_ key: AttemptKey) {
        let next = slots.withLock { s -> [LocalSlots.Waiting] in
            if s.running.remove(key) == nil { s.endedUntracked.insert(key) }
            var picked: [LocalSlots.Waiting] = []
            while s.running.count < maxRunning, !s.waiting.isEmpty {
                let w = s.waiting.removeFirst()
                s.running.insert(w.key)
                picked.append(w)
            }
            return picked
        }
        for w in next { starter.async { [weak self] in self?.startWaiting(w) } }
    }

    /// Starts an attempt that waited for its slot; a failed start is told as the engine would have been told by
    /// `start` throwing: charged to the task (a user error) or to the system.
    private func startWaiting(_ w: LocalSlots.Waiting) {
        do throws(BackendError) {
            try launch(w.spec, extraEnvironment: w.extraEnvironment)
        } catch {
            let observation: Observation = error.kind == .user
                ? .attemptExited(w.spec.ref, AttemptExit(exitCode: nil, userFailure: error.message))
                : .attemptLost(w.spec.ref, reason: error.message)
            let receiver = slots.withLock { $0.receiver }
            freeSlot(w.key)
            receiver?(w.spec.runID, observation)
        }
    }

    private func launch(_ spec: AttemptSpec, extraEnvironment: [String: String]) throws(BackendError) {
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
        cancel(runID: runID, attempts: [attempt], grace: grace)
    }

    /// Those of the batch still waiting for a slot leave the line first (ended as cancelled, never started); only
    /// then are the running ones signalled, so the slots they free go to other work, not to the batch.
    public func cancel(runID: String, attempts: [AttemptRef], grace: Duration) {
        let keys = Set(attempts.map { AttemptKey(runID: runID, ref: $0) })
        let (dropped, receiver) = slots.withLock { s -> ([AttemptRef], (@Sendable (String, Observation) -> Void)?) in
            let leaving = s.waiting.filter { keys.contains($0.key) }.map(\.key.ref)
            s.waiting.removeAll { keys.contains($0.key) }
            return (leaving, s.receiver)
        }
        for ref in dropped {
            receiver?(runID, .attemptExited(ref, AttemptExit(exitCode: nil, killedByUs: true, detail: "cancelled before it started")))
        }
        let waited = Set(dropped)
        for ref in attempts where !waited.contains(ref) { runner.cancel(handle(runID: runID, ref), grace: grace) }
    }

    /// Attempts found running hold slots until they end; those that waited in line when the controller stopped
    /// were never started and are started again by the controller.
    public func adopt(runID: String) -> Set<AttemptRef> {
        let refs = Set(runner.adopt(runID: runID).map(Self.ref))
        slots.withLock { s in
            for ref in refs {
                let key = AttemptKey(runID: runID, ref: ref)
                if s.endedUntracked.remove(key) == nil { s.running.insert(key) }
            }
        }
        return refs
    }

    /// Attempts running now and waiting for a slot, for tests and `sluice doctor`-style reports.
    public var slotUsage: (running: Int, waiting: Int) {
        slots.withLock { ($0.running.count, $0.waiting.count) }
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

/// The local backend's slots: which attempts run, and which wait for one of them.
struct LocalSlots {
    struct Waiting {
        var key: AttemptKey
        var spec: AttemptSpec
        var extraEnvironment: [String: String]
    }
    var receiver: (@Sendable (String, Observation) -> Void)?
    var running: Set<AttemptKey> = []
    var waiting: [Waiting] = []
    /// Ends seen for attempts not (yet) counted as running: an adopted attempt may end before `adopt` returns.
    var endedUntracked: Set<AttemptKey> = []
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
