import DockerEngine
import Foundation
import SluiceEngine
import SluiceModel

/// The life of one attempt's container: image, create (a name in use is adopted), start, logs, exit,
/// collection, removal.
extension ContainerBackend {
    func run(_ planned: ContainerPlan) async {
        guard let t = tracked(planned.name) else { return }
        let plan: ContainerPlan
        switch await pointingAtApps(planned) {
        case .success(let pointed): plan = pointed
        case .failure(let error) where error.kind == .system:
            // A listener that could not open now (the bridge not up yet) may open on the next try: a system retry.
            return lose(planned.name, "cannot reach the app gateway for its uses: \(error)")
        case .failure(let error):
            return endWithoutContainer(planned.name, AttemptExit(exitCode: 127, detail: "cannot start: \(error)"))
        }
        switch await images.ensure(plan.config.image, client: client, progress: { [weak self] line in
            self?.report(t.runID, .progress(t.ref, Progress(message: "pulling \(plan.config.image): \(line)")))
        }) {
        case .ready: break
        case .unreachable(let why):
            return lose(plan.name, "the container engine cannot be reached: \(why)")
        case .pullFailed(let why):
            return endWithoutContainer(plan.name, AttemptExit(exitCode: 127, detail: "image '\(plan.config.image)' cannot be pulled: \(why)"))
        }
        if tracked(plan.name)?.cancelled == true {
            return endWithoutContainer(plan.name, AttemptExit(exitCode: nil, killedByUs: true, detail: "cancelled before it started"))
        }
        logger.trace("creating the container", metadata: ["container": "\(plan.name)", "run": "\(t.runID)", "node": "\(t.ref.node)"])
        do {
            _ = try await client.createContainer(name: plan.name, plan.config)
        } catch let e as EngineError where e.isConflict {
            // The name exists: this attempt was created before (a restart, a repeated start). Follow that one.
        } catch let e as EngineError where e.isUnreachable {
            return lose(plan.name, "the container engine cannot be reached: \(e.message)")
        } catch {
            return endWithoutContainer(plan.name, AttemptExit(exitCode: 127, detail: "cannot create the container of image '\(plan.config.image)': \(Self.reason(error))"))
        }
        await follow(plan.name)
    }

    /// Follows an existing container to its end: starts it if it never started, reports the start, copies its
    /// logs, waits for its exit and collects it.
    func follow(_ name: String) async {
        guard let t = tracked(name), let info = await inspectOrLose(name, "is gone") else { return }
        if !info.hasStarted && !info.hasExited {
            if t.cancelled {
                _ = try? await client.removeContainer(name, force: true)
                return endWithoutContainer(name, AttemptExit(exitCode: nil, killedByUs: true, detail: "cancelled before it started"))
            }
            do {
                try await client.startContainer(name)
            } catch {
                // The runtime refused (no such executable, bad user): the task's error, not the system's.
                _ = try? await client.removeContainer(name, force: true)
                return endWithoutContainer(name, AttemptExit(exitCode: 127, detail: "cannot start: \(Self.reason(error))"))
            }
        }
        // Adopted after it ended: no event will come for it.
        if info.hasExited { markDied(name) }
        do {
            try FileIO.writeAtomically(t.folder.containerMarker, ContainerMarker(name: name, id: info.id, image: info.image.isEmpty ? nil : info.image).json)
        } catch {
            logger.debug("cannot record container \(name) in its attempt folder: \(error)")
        }
        let startedAt = info.startedAt ?? Date()
        report(t.runID, .attemptStarted(t.ref, at: StateCoding.timestamp(startedAt)))
        let sink = AttemptLogSink(t.folder)
        let logs = Task { await self.copyLogs(name, into: sink, follow: true) }
        let progress = Task { await self.watchProgress(name, t) }
        // The event stream is the fast path; this relist is the safety net (as a kubelet's): a `died` event
        // lost to a reconnect or to the engine's own event log lag is found by an inspect within 2 s.
        let relist = Task { await self.relist(name) }
        await waitForExit(name)
        progress.cancel()
        relist.cancel()
        // The engine has the whole log once the container died, but closes a followed stream only some time
        // later (Docker ~20 ms, Podman may never): stop following now and read what is still missing.
        // A follow that ignored its cancellation is dropped by the sink once the second read begins.
        logs.cancel()
        await copyLogs(name, into: sink, follow: false)
        logger.trace("logs copied", metadata: ["container": "\(name)", "run": "\(t.runID)", "node": "\(t.ref.node)"])
        await collect(name, startedAt: startedAt)
    }

    /// Copies the container's log from its beginning into the attempt's stdout.log and stderr.log; bytes of a
    /// stream the sink already holds are skipped (the log is read again from its start after a follow).
    func copyLogs(_ name: String, into sink: AttemptLogSink?, follow: Bool) async {
        guard let sink else { return }
        let reader = sink.begin()
        do {
            for try await frame in client.logs(name, follow: follow) { sink.append(frame, from: reader) }
        } catch {
            logger.debug("logs of \(name) ended: \(error)")
        }
    }

    /// Reports the newest line the task appended to `$SLUICE_PROGRESS` (read when the file grew; every 200 ms
    /// while the container runs, as the local backend's watcher does every 100 ms).
    func watchProgress(_ name: String, _ t: TrackedAttempt) async {
        var seen: Int64 = -1
        while !Task.isCancelled, tracked(name)?.died == false {
            if let size = FileIO.size(t.folder.progress), size != seen, let tail = FileIO.readTail(t.folder.progress, count: 64 * 1024) {
                seen = size
                if let p = ProgressUpdate.latest(in: tail.bytes, final: false) {
                    report(t.runID, .progress(t.ref, Progress(fraction: p.progress, message: p.message, metrics: p.metrics)))
                }
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Inspects the container every 2 s while it is tracked as running; marks it dead once it has exited.
    func relist(_ name: String) async {
        while !Task.isCancelled, tracked(name)?.died == false {
            try? await Task.sleep(for: .seconds(2))
            if Task.isCancelled { return }
            if let info = try? await client.inspectContainer(name), info.hasExited { markDied(name) }
        }
    }

    /// Returns once the engine says the container stopped (an event, or an inspect).
    func waitForExit(_ name: String) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                guard s.tracked[name] != nil, s.tracked[name]?.died == false else { return true }
                s.tracked[name]?.waiter = c
                return false
            }
            if now { c.resume() }
        }
    }

    /// Wakes the attempt waiting for `name` to stop.
    func markDied(_ name: String, exit: (code: Int32, at: Date?)? = nil) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard s.tracked[name] != nil else { return nil }
            s.tracked[name]?.died = true
            if let exit { s.tracked[name]?.diedExit = exit }
            defer { s.tracked[name]?.waiter = nil }
            return s.tracked[name]?.waiter
        }
        waiter?.resume()
    }

    /// The container stopped: store its end (outputs, exit, OOM), report it, then remove the container.
    func collect(_ name: String, startedAt: Date) async {
        guard let t = tracked(name) else { return }
        let exit: AttemptExit
        if let died = t.diedExit, died.code == 0, !t.cancelled {
            // A clean exit as the `died` event told it needs no `inspect` (exit 0 is no OOM kill): one engine
            // round trip fewer between a task's end and the next task's start.
            let (outputs, outputsError) = SupervisorResult.readOutputs(t.folder)
            exit = AttemptExit(exitCode: 0, killedByUs: false, oomKilled: false, outputsJSON: outputs, outputsError: outputsError,
                               detail: nil, startedAt: StateCoding.timestamp(startedAt),
                               finishedAt: StateCoding.timestamp(died.at ?? Date()))
        } else {
            guard let info = await inspectOrLose(name, "vanished before its exit was read") else { return }
            exit = Self.exit(info, t, startedAt: startedAt)
        }
        storeAndReport(name, exit)
        do { try await client.removeContainer(name, force: true) } catch { logger.warning("cannot remove \(name): \(error)") }
        untrack(name)
    }

    /// The end an inspected, stopped container tells: exit code, OOM, outputs, the error or stderr's tail.
    static func exit(_ info: ContainerInfo, _ t: TrackedAttempt, startedAt: Date) -> AttemptExit {
        let limit = info.memoryLimit > 0 ? info.memoryLimit : t.memoryLimit
        // Podman (conmon) may leave OOMKilled false: a SIGKILL exit under a memory limit that we did not send is OOM.
        let oom = info.oomKilled || (info.exitCode == 137 && limit > 0 && !t.cancelled)
        let (outputs, outputsError) = SupervisorResult.readOutputs(t.folder)
        var detail: String?
        if oom {
            detail = "memory limit \(describe(bytes: limit))"
        } else if info.exitCode != 0 {
            detail = [info.error.isEmpty ? nil : info.error, StderrTail.read(t.folder.stderr)].compactMap { $0 }.joined(separator: " | ")
        }
        return AttemptExit(exitCode: info.exitCode, killedByUs: t.cancelled, oomKilled: oom, outputsJSON: outputs,
                           outputsError: outputsError, detail: detail?.isEmpty == true ? nil : detail,
                           startedAt: StateCoding.timestamp(info.startedAt ?? startedAt),
                           finishedAt: StateCoding.timestamp(info.finishedAt ?? Date()))
    }

    /// Inspects the attempt's container; nil, after reporting the attempt lost, when it is gone or unreadable.
    func inspectOrLose(_ name: String, _ gone: String) async -> ContainerInfo? {
        do {
            if let found = try await client.inspectContainer(name) { return found }
            lose(name, "its container \(name) \(gone)")
        } catch {
            lose(name, "cannot inspect its container \(name): \(Self.reason(error))")
        }
        return nil
    }

    /// Ends an attempt that has no container to collect (image missing, refused, cancelled early).
    func endWithoutContainer(_ name: String, _ exit: AttemptExit) {
        storeAndReport(name, exit)
        untrack(name)
    }

    /// The attempt is gone without an end we can tell: a system error, retried from the system budget.
    func lose(_ name: String, _ reason: String) {
        guard let t = tracked(name) else { return }
        report(t.runID, .attemptLost(t.ref, reason: reason))
        untrack(name)
    }

    /// Writes `container-result.json` (so a restarted controller finds the end after the container is gone),
    /// then reports the end.
    func storeAndReport(_ name: String, _ exit: AttemptExit) {
        guard let t = tracked(name) else { return }
        let record = StoredContainerResult(runID: t.runID, ref: t.ref, exit: exit)
        if let data = try? JSONEncoder().encode(record) {
            do { try FileIO.writeAtomically(t.folder.containerResult, String(decoding: data, as: UTF8.self)) } catch {
                logger.warning("cannot store the end of \(name): \(error)")
            }
        }
        report(t.runID, .attemptExited(t.ref, exit))
    }

    /// Re-reports an end stored before a restart.
    func reportStoredResult(_ name: String) {
        guard let t = tracked(name) else { return }
        if let record = StoredContainerResult.read(t.folder) {
            report(t.runID, .attemptExited(t.ref, record.exit))
        } else {
            report(t.runID, .attemptLost(t.ref, reason: "its stored result cannot be read"))
        }
        untrack(name)
    }

    func tracked(_ name: String) -> TrackedAttempt? { state.withLock { $0.tracked[name] } }
    func untrack(_ name: String) { _ = state.withLock { $0.tracked.removeValue(forKey: name) } }

    static func reason(_ error: Error) -> String { (error as? EngineError)?.message ?? "\(error)" }

    static func describe(bytes: Int64) -> String {
        if bytes % (1 << 30) == 0 { return "\(bytes >> 30)Gi" }
        if bytes % (1 << 20) == 0 { return "\(bytes >> 20)Mi" }
        return "\(bytes) bytes"
    }
}

/// Which container an attempt has (`container.json`), written once the container exists: for the API's attempt details.
struct ContainerMarker: Codable, Sendable {
    var name: String
    var id: String
    var image: String?

    var json: String { (try? JSONEncoder().encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}" }

    static func read(_ folder: AttemptFolder) -> ContainerMarker? {
        guard let bytes = try? FileIO.read(folder.containerMarker, limit: 1 << 16) else { return nil }
        return try? JSONDecoder().decode(ContainerMarker.self, from: Data(bytes))
    }
}

/// An attempt's end as the container backend stored it in the attempt folder.
struct StoredContainerResult: Codable, Sendable {
    var runID: String
    var ref: AttemptRef
    var exit: AttemptExit

    static func read(_ folder: AttemptFolder) -> StoredContainerResult? {
        guard let bytes = try? FileIO.read(folder.containerResult, limit: 8 << 20) else { return nil }
        return try? JSONDecoder().decode(StoredContainerResult.self, from: Data(bytes))
    }
}

/// An attempt's stdout.log and stderr.log as the container's log is copied into them. Each read of the log
/// starts at its beginning: a read that `begin`s skips, per stream, the bytes the files already hold, and from
/// then on frames of any earlier read are dropped.
final class AttemptLogSink: @unchecked Sendable {
    private let out: LogFile
    private let err: LogFile
    private let lock = NSLock()
    private var reader = 0
    /// Bytes each file holds; bytes still to skip of each stream on the current read.
    private var held = (out: 0, err: 0)
    private var skip = (out: 0, err: 0)

    convenience init?(_ folder: AttemptFolder) {
        guard let out = LogFile(folder.stdout), let err = LogFile(folder.stderr) else { return nil }
        self.init(out: out, err: err)
    }

    /// Streams into `out` and `err` (one file for both: an app replica's log).
    init(out: LogFile, err: LogFile) {
        self.out = out
        self.err = err
    }

    /// Starts a read of the log from its beginning; returns its number for `append`.
    func begin() -> Int {
        lock.withLock {
            reader += 1
            skip = held
            return reader
        }
    }

    func append(_ frame: LogFrame, from read: Int) {
        lock.withLock {
            guard read == reader else { return }
            let isErr = frame.stream == .stderr
            let skipping = min(isErr ? skip.err : skip.out, frame.bytes.count)
            if isErr { skip.err -= skipping } else { skip.out -= skipping }
            guard skipping < frame.bytes.count else { return }
            (isErr ? err : out).write(Array(frame.bytes.dropFirst(skipping)))
            if isErr { held.err += frame.bytes.count - skipping } else { held.out += frame.bytes.count - skipping }
        }
    }
}

/// A log file opened for writing: from its start (an attempt's), or after what it holds (`append`, a replica's).
final class LogFile: @unchecked Sendable {
    let fd: Int32
    init?(_ path: String, append: Bool = false) {
        fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC) | O_CLOEXEC, append ? 0o600 : 0o644)
        if fd < 0 { return nil }
    }
    deinit { close(fd) }

    func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { b in
            var at = 0
            while at < b.count {
                let n = Foundation.write(fd, b.baseAddress! + at, b.count - at)
                if n <= 0 { if errno == EINTR { continue }; return }
                at += n
            }
        }
    }
}
