#if os(Linux)
import Foundation
import Glibc
import Synchronization

// How the local backend is built, and why:
//
// - One small C supervisor per attempt (Sources/sluice-supervisor). Attempts must outlive
//   the controller as pods outlive a Kubernetes controller, so the process that waits for
//   the task (wait4: exit status, rusage) and writes `result.json` cannot be the controller.
//   The supervisor calls setsid, so neither `kill -9` of the controller nor a signal to its
//   process group reaches it; it is static C (no Swift runtime) and adds about a
//   millisecond to a start.
// - The folder is the record. `supervisor.lock` is flocked by the live supervisor (the runner
//   takes the lock first and hands the locked descriptor over at spawn, so there is no
//   moment when an attempt is started but unlocked); `state.json` says the task runs;
//   `result.json` (temp + rename) says how it ended. start() and adopt() read only these,
//   which makes start() idempotent across controller crashes: a held lock means adopt, a
//   result means report it, a `state.json` without either means lost, nothing means start.
// - Exits are seen through pidfds, polled by one dedicated thread (never the two-thread
//   Swift pool). A pidfd works for any process, not just our children, so adopted
//   supervisors are followed the same way; the task's exit reaches `observations` in well
//   under a millisecond. Where there are no pidfds, the lock is checked every 20 ms.
// - Cancel is SIGUSR1 to the supervisor after writing the grace period to `cancel`: the
//   supervisor sends SIGTERM to the task's process group, SIGKILL after the grace, and
//   records killedByUs. Any other signal that ends the task is recorded as not ours.
// - Memory and CPU limits are per-attempt cgroups (v2 where our cgroup can delegate the
//   controller, else v1) made by the supervisor; where none is writable, the attempt's
//   stderr.log gets one "sluice: ... cannot be enforced" line and the task runs anyway.

/// Runs attempts as processes on this machine, each under its own `sluice-supervisor`, and
/// reports what happens to them, also across controller restarts (`adopt`).
public final class LocalRunner: Sendable {
    /// Where attempt folders live: `<root>/<run>/<node>/<attempt>[-revert]/`.
    public let root: String
    /// What happens to attempts: starts, exits, losses and progress. Read it from one task;
    /// cancelling that task ends the stream. Nothing but superseded progress is ever dropped,
    /// and at most one progress update per attempt waits, so a slow reader costs little memory.
    public let observations: AsyncStream<AttemptObservation>

    /// The account tasks run as (nil: this process's own user).
    public let taskUser: TaskUser?
    private let access: FolderAccess
    private let launcher: SupervisorLauncher
    /// Forks supervisors without an exec each; nil when turned off (`SLUICE_SUPERVISOR_HOST=0`).
    private let host: SupervisorHost?
    private let queue: ObservationQueue
    private let watcher: ExitWatcher
    // One start or adoption at a time, so two callers never both decide to spawn.
    private let decisions = Mutex(())

    /// - Parameters:
    ///   - root: the folder for attempt folders; made if missing.
    ///   - supervisorPath: the `sluice-supervisor` binary; by default `$SLUICE_SUPERVISOR`,
    ///     else the one beside the running executable.
    ///   - taskUser: the account tasks run as; needs a controller running as root.
    public init(root: String, supervisorPath: String? = nil, taskUser: TaskUser? = nil) throws {
        let absolute = root.hasPrefix("/") ? root : FileManager.default.currentDirectoryPath + "/" + root
        if taskUser != nil && !TaskUser.canSwitch {
            throw LocalRunnerError.taskUserNeedsRoot(taskUser!.name)
        }
        access = FolderAccess(user: taskUser)
        do {
            try FileIO.makeDirectories(absolute, mode: access.pathMode)
            if taskUser != nil { chmod(absolute, access.pathMode) }
        } catch {
            throw LocalRunnerError(error)
        }
        self.root = absolute
        self.taskUser = taskUser
        self.launcher = try SupervisorLauncher.locate(supervisorPath)
        self.host = SupervisorHost(launcher: launcher)
        let queue = ObservationQueue()
        self.queue = queue
        self.watcher = try ExitWatcher(queue: queue)
        self.observations = AsyncStream(unfolding: { await queue.next() })
    }

    deinit {
        host?.close()
        watcher.stop()
        queue.finish()
    }

    /// Starts the attempt, unless its folder shows it was started before: then it is adopted
    /// (followed if its supervisor lives, reported if it ended), never run twice.
    @discardableResult
    public func start(_ launch: AttemptLaunch) throws -> AttemptHandle {
        let handle = self.handle(for: launch)
        try Self.validate(launch, handle)
        let folder = AttemptFolder(path: handle.directory)
        try decisions.withLock { _ in
            if watcher.isWatching(handle) { return }
            let lockFD: Int32
            do {
                try access.prepare(folder)
                guard let fd = try ProcessControl.lockExclusively(folder.lock) else {
                    watcher.watch(AttemptRecovery.follow(handle))
                    return
                }
                lockFD = fd
            } catch let error as FileIOError {
                throw LocalRunnerError(error)
            }
            var unsure = false
            do {
                defer { close(lockFD) }
                switch AttemptRecovery.inspect(handle, lockHeldByCaller: true) {
                case .ended(let observation):
                    queue.push(observation)
                case .live:
                    break  // not reachable while we hold the lock
                case .notStarted:
                    unsure = try spawn(launch, handle: handle, folder: folder, lockFD: lockFD, useHost: true) == .unsure
                }
            }
            if unsure { try settleUnanswered(launch, handle: handle, folder: folder) }
        }
        return handle
    }

    /// After a host that did not answer was killed: the supervisor it may have forked holds the attempt's lock
    /// (its copy of the descriptor), so a lock taken now proves there is none and one is spawned directly; a lock
    /// held elsewhere is that supervisor, followed as after a controller restart. Never both.
    ///
    /// One wrinkle: descriptors the host had not yet received (still in flight in its socket) are released by the
    /// kernel a little after the host is reaped (a deferred close), so for a moment the lock can look held by no one
    /// alive. A held lock therefore counts as a supervisor only once that supervisor shows itself (its `state.json`
    /// or `result.json`); until then, or until the lock frees, the runner looks again every 10 ms for up to 10 s.
    private func settleUnanswered(_ launch: AttemptLaunch, handle: AttemptHandle, folder: AttemptFolder) throws {
        var lockFD: Int32 = -1
        let deadline = ContinuousClock.now + .seconds(10)
        do {
            while true {
                if let fd = try ProcessControl.lockExclusively(folder.lock) {
                    lockFD = fd
                    break
                }
                if FileIO.exists(folder.state) || FileIO.exists(folder.result) || ContinuousClock.now >= deadline {
                    watcher.watch(AttemptRecovery.follow(handle))
                    return
                }
                usleep(10_000)
            }
        } catch {
            throw LocalRunnerError(error)
        }
        defer { close(lockFD) }
        switch AttemptRecovery.inspect(handle, lockHeldByCaller: true) {
        case .ended(let observation):
            queue.push(observation)  // the host's supervisor ran the task to its end in the meantime
        case .live:
            break  // not reachable while we hold the lock
        case .notStarted:
            _ = try spawn(launch, handle: handle, folder: folder, lockFD: lockFD, useHost: false)
        }
    }

    /// Stops the attempt: SIGTERM to the task's process group, SIGKILL after `grace`. The
    /// supervisor records `killedByUs`. Without a supervisor, kills what is left of the task.
    public func cancel(_ handle: AttemptHandle, grace: Duration = .seconds(5)) {
        let (seconds, attoseconds) = grace.components
        let milliseconds = max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        // The supervisor reads the grace from here when SIGUSR1 arrives; 5 s if this fails.
        try? FileIO.writeAtomically(AttemptFolder(path: handle.directory).cancel, "\(milliseconds)\n")
        if !watcher.signalSupervisor(handle, SIGUSR1) {
            AttemptRecovery.cancelUnfollowed(handle)
        }
    }

    /// After a controller restart: every attempt of the run found on disk. Live ones are followed
    /// (`.started` then, later, `.exited`); ended ones are reported now (`.exited` or `.lost`).
    public func adopt(runID: String) -> [AttemptHandle] {
        let runFolder = AttemptFolder.runFolder(root: root, runID: runID)
        var handles: [AttemptHandle] = []
        for node in FileIO.entries(runFolder).sorted() {
            for leaf in FileIO.entries(runFolder + "/" + node).sorted() {
                let folder = AttemptFolder(path: runFolder + "/" + node + "/" + leaf)
                guard let bytes = try? FileIO.read(folder.launch, limit: 16 * 1024 * 1024),
                    let launch = try? JSONDecoder().decode(AttemptLaunch.self, from: Data(bytes))
                else { continue }
                let handle = AttemptHandle(
                    runID: launch.runID, nodeID: launch.nodeID, attempt: launch.attempt, purpose: launch.purpose,
                    directory: folder.path)
                handles.append(handle)
                decisions.withLock { _ in resume(handle) }
            }
        }
        return handles
    }

    /// The files the task's stdout and stderr go to.
    public func logPaths(_ handle: AttemptHandle) -> (stdout: String, stderr: String) {
        let folder = AttemptFolder(path: handle.directory)
        return (folder.stdout, folder.stderr)
    }

    /// The handle (and folder) an attempt has under this runner's root.
    /// Sends every observation to `handler` on the runner's own threads instead of `observations`
    /// (use one or the other). The handler must return quickly.
    public func deliverObservations(to handler: @escaping @Sendable (AttemptObservation) -> Void) {
        queue.deliver(to: handler)
    }

    public func handle(for launch: AttemptLaunch) -> AttemptHandle {
        let folder = AttemptFolder(
            root: root, runID: launch.runID, nodeID: launch.nodeID, attempt: launch.attempt, purpose: launch.purpose)
        return AttemptHandle(
            runID: launch.runID, nodeID: launch.nodeID, attempt: launch.attempt, purpose: launch.purpose,
            directory: folder.path)
    }

    private func resume(_ handle: AttemptHandle) {
        guard !watcher.isWatching(handle) else { return }
        switch AttemptRecovery.inspect(handle) {
        case .live:
            watcher.watch(AttemptRecovery.follow(handle))
        case .ended(let observation):
            queue.push(observation)
        case .notStarted:
            queue.push(.lost(handle, reason: "the controller stopped before the attempt's process started"))
        }
    }

    private enum Spawned { case started, unsure }

    /// Writes the attempt's inputs and launch record, then has its supervisor forked by the host (`useHost`) or
    /// spawned. `.unsure`: the host did not answer and was killed; the caller must look at the lock.
    private func spawn(_ launch: AttemptLaunch, handle: AttemptHandle, folder: AttemptFolder, lockFD: Int32, useHost: Bool) throws -> Spawned {
        do {
            // Owner-only: inputs and the launch's environment may hold secrets.
            try FileIO.writeFresh(folder.inputs, launch.inputsJSON, mode: 0o600)
            try access.shareReadable(folder.inputs)
            if let dir = launch.workingDirectory, !dir.hasPrefix("/") {
                try FileIO.makeDirectories(folder.work + "/" + dir)
                try access.handOver(folder.work + "/" + dir)
            }
            let record = try JSONEncoder().encode(launch)
            try FileIO.writeFresh(folder.launch, String(decoding: record, as: UTF8.self), mode: 0o600)
        } catch let error as FileIOError {
            throw LocalRunnerError(error)
        }
        guard let pipe = ProcessControl.makePipe() else {
            throw LocalRunnerError.spawnFailed(launcher.executable, FileIO.describe(errno))
        }
        defer { close(pipe.write) }
        if useHost {
            switch forkByHost(launch, folder: folder, lockFD: lockFD, notifyFD: pipe.write) {
            case .forked(let pid, let pidfd):
                watcher.watch(WatchedAttempt(handle: handle, supervisorPid: pid, pidfd: pidfd, isChild: false, notifyFD: pipe.read))
                return .started
            case .unsure:
                close(pipe.read)
                return .unsure
            case .unavailable:
                break
            }
        }
        let pid: pid_t
        do {
            pid = try launcher.spawn(launch, folder: folder, lockFD: lockFD, notifyFD: pipe.write, user: taskUser)
        } catch {
            close(pipe.read)
            throw error
        }
        watcher.watch(
            WatchedAttempt(handle: handle, supervisorPid: pid, pidfd: ProcessControl.pidfdOpen(pid), isChild: true, notifyFD: pipe.read))
        return .started
    }

    /// The supervisor host's pid while one runs (tests).
    var supervisorHostPid: pid_t? { host?.hostPid }

    /// How long a start waits for the supervisor host's answer before killing it (tests shorten it).
    var supervisorHostReplyTimeout: Duration {
        get { host?.replyTimeout ?? .zero }
        set { host?.replyTimeout = newValue }
    }

    /// The supervisor forked by the host (see `SupervisorHost`), or nil when the runner must spawn it itself.
    private func forkByHost(_ launch: AttemptLaunch, folder: AttemptFolder, lockFD: Int32, notifyFD: Int32) -> SupervisorHost.Outcome {
        guard let host else { return .unavailable }
        let log = open(folder.stderr, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard log >= 0 else { return .unavailable }
        defer { close(log) }
        let arguments = ["sluice-supervisor"] + SupervisorLauncher.arguments(for: launch, folder: folder, user: taskUser)
        let environment = SupervisorLauncher.environment(for: launch, folder: folder, user: taskUser).map { "\($0.key)=\($0.value)" }
        return host.spawn(arguments: arguments, environment: environment, stderrFD: log, lockFD: lockFD, notifyFD: notifyFD)
    }

    private static func validate(_ launch: AttemptLaunch, _ handle: AttemptHandle) throws {
        guard let program = launch.command.first, !program.isEmpty else {
            throw LocalRunnerError.emptyCommand(handle.description)
        }
        if let bad = launch.command.first(where: { $0.utf8.contains(0) }) {
            throw LocalRunnerError.invalidArgument(attempt: handle.description, "argument \(bad.debugDescription) contains a NUL byte")
        }
        for (name, value) in launch.environment {
            if name.isEmpty || name.contains("=") || name.utf8.contains(0) || value.utf8.contains(0) {
                throw LocalRunnerError.invalidArgument(
                    attempt: handle.description, "environment variable \(name.debugDescription) cannot be passed to a process")
            }
        }
    }
}
#endif
