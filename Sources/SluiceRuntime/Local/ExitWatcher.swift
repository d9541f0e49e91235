#if os(Linux)
import Foundation
import Glibc
import Synchronization

/// One attempt the watcher follows until its supervisor is gone.
struct WatchedAttempt: Sendable {
    var handle: AttemptHandle
    var supervisorPid: pid_t
    /// Readable once the supervisor exits; -1 when the kernel has no pidfds or the pid was unsure.
    var pidfd: Int32
    /// Whether the supervisor is this process's child (then it is reaped here).
    var isChild: Bool
    /// Read end of the supervisor's "started PID TIME" pipe; -1 for adopted attempts.
    var notifyFD: Int32
    var started = false
    var progressSize: Int64 = -1
    var lastProgress: ProgressUpdate?

    init(handle: AttemptHandle, supervisorPid: pid_t, pidfd: Int32, isChild: Bool, notifyFD: Int32) {
        self.handle = handle
        self.supervisorPid = supervisorPid
        self.pidfd = pidfd
        self.isChild = isChild
        self.notifyFD = notifyFD
    }
}

/// Follows supervisors from one dedicated thread (never the Swift concurrency pool): a poll()
/// over their pidfds wakes the moment one exits, then result.json is read and reported.
/// Without a pidfd it checks the attempt's lock every 20 ms; progress files are read every 100 ms.
final class ExitWatcher: Sendable {
    private struct Registration {
        var pidfd: Int32
        var pid: pid_t
        var isChild: Bool
    }

    private struct Shared {
        var registered: [AttemptHandle: Registration] = [:]
        var inbox: [WatchedAttempt] = []
        var stopped = false
    }

    private let shared = Mutex(Shared())
    fileprivate let queue: ObservationQueue
    fileprivate let wakeRead: Int32
    private let wakeWrite: Int32

    init(queue: ObservationQueue) throws(LocalRunnerError) {
        guard let wake = ProcessControl.makePipe() else {
            throw .spawnFailed("the exit watcher", FileIO.describe(errno))
        }
        self.queue = queue
        self.wakeRead = wake.read
        self.wakeWrite = wake.write
        let thread = Thread { [self] in
            var loop = WatchLoop(watcher: self)
            loop.run()
        }
        thread.name = "sluice-local-exits"
        thread.start()
    }

    /// Starts following an attempt; the watcher owns its descriptors from now on.
    func watch(_ attempt: WatchedAttempt) {
        shared.withLock { shared in
            shared.registered[attempt.handle] = Registration(
                pidfd: attempt.pidfd, pid: attempt.supervisorPid, isChild: attempt.isChild)
            shared.inbox.append(attempt)
        }
        wake()
    }

    func isWatching(_ handle: AttemptHandle) -> Bool {
        shared.withLock { $0.registered[handle] != nil }
    }

    /// Signals the attempt's supervisor if it is followed with a pid that cannot have been reused.
    func signalSupervisor(_ handle: AttemptHandle, _ signal: Int32) -> Bool {
        shared.withLock { shared in
            guard let registration = shared.registered[handle] else { return false }
            if registration.pidfd >= 0 { return ProcessControl.send(signal, toPidfd: registration.pidfd) }
            // An unreaped child keeps its pid; others are checked by the caller.
            return registration.isChild && kill(registration.pid, signal) == 0
        }
    }

    /// Stops the thread; supervisors keep running (that is the point of them).
    func stop() {
        shared.withLock { $0.stopped = true }
        wake()
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    fileprivate func takeInbox() -> (stopped: Bool, attempts: [WatchedAttempt]) {
        shared.withLock { shared in
            defer { shared.inbox.removeAll() }
            return (shared.stopped, shared.inbox)
        }
    }

    /// Forgets an attempt and closes its pidfd under the lock, so no signal can race the close.
    fileprivate func unregister(_ attempt: WatchedAttempt) {
        shared.withLock { shared in
            shared.registered[attempt.handle] = nil
            if attempt.pidfd >= 0 { close(attempt.pidfd) }
        }
        if attempt.notifyFD >= 0 { close(attempt.notifyFD) }
    }

    fileprivate func closeWakePipe() {
        close(wakeRead)
        close(wakeWrite)
    }
}

/// The watcher thread's own state; nothing here is shared.
private struct WatchLoop {
    let watcher: ExitWatcher
    var attempts: [AttemptHandle: WatchedAttempt] = [:]
    var nextScan = ContinuousClock.now

    init(watcher: ExitWatcher) {
        self.watcher = watcher
    }

    mutating func run() {
        while true {
            let (stopped, incoming) = watcher.takeInbox()
            if stopped {
                attempts.values.forEach(watcher.unregister)
                watcher.closeWakePipe()
                return
            }
            for var attempt in incoming {
                learnStart(&attempt)
                attempts[attempt.handle] = attempt
            }
            let (ready, interval) = waitForEvents()
            for event in ready {
                switch event {
                case .startLine(let handle):
                    guard var attempt = attempts[handle] else { continue }
                    readStartLine(&attempt)
                    attempts[handle] = attempt
                case .exit(let handle):
                    finish(handle)
                }
            }
            if let interval, ContinuousClock.now >= nextScan {
                scan()
                nextScan = ContinuousClock.now + interval
            }
        }
    }

    /// What a ready descriptor means.
    private enum Event {
        /// The supervisor's pipe has its "started" line (or was closed).
        case startLine(AttemptHandle)
        /// The supervisor's pidfd: it exited.
        case exit(AttemptHandle)

        var isExit: Bool {
            if case .exit = self { return true }
            return false
        }
    }

    /// Polls the wake pipe and every descriptor; returns what became ready and the scan
    /// interval in force.
    private func waitForEvents() -> ([Event], Duration?) {
        var fds = [pollfd(fd: watcher.wakeRead, events: Int16(POLLIN), revents: 0)]
        var owners: [Event?] = [nil]  // the wake pipe has no owner
        var needsFastScan = false
        for attempt in attempts.values {
            if attempt.pidfd >= 0 {
                fds.append(pollfd(fd: attempt.pidfd, events: Int16(POLLIN), revents: 0))
                owners.append(.exit(attempt.handle))
            } else {
                needsFastScan = true
            }
            if attempt.notifyFD >= 0 {
                fds.append(pollfd(fd: attempt.notifyFD, events: Int16(POLLIN), revents: 0))
                owners.append(.startLine(attempt.handle))
            } else if !attempt.started {
                needsFastScan = true
            }
        }
        let interval: Duration? = attempts.isEmpty ? nil : needsFastScan ? .milliseconds(20) : .milliseconds(100)
        var timeout: Int32 = -1
        if let interval {
            let left = ContinuousClock.now.duration(to: nextScan)
            timeout = left <= .zero ? 0 : Self.milliseconds(min(left, interval)) + 1
        }
        let count = poll(&fds, nfds_t(fds.count), timeout)
        guard count > 0 else { return ([], interval) }
        if fds[0].revents != 0 {
            var sink = [UInt8](repeating: 0, count: 64)
            while read(watcher.wakeRead, &sink, sink.count) > 0 {}
        }
        // Start lines before exits, so .started always precedes .exited.
        let ready = fds.indices.filter { fds[$0].revents != 0 }.compactMap { owners[$0] }
        return (ready.filter { !$0.isExit } + ready.filter(\.isExit), interval)
    }

    private static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    /// Reads the supervisor's "started PID TIME" line, if it has come.
    private func readStartLine(_ attempt: inout WatchedAttempt) {
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = read(attempt.notifyFD, &buffer, buffer.count)
        if count < 0 && (errno == EAGAIN || errno == EINTR) { return }
        close(attempt.notifyFD)
        attempt.notifyFD = -1
        let words = String(decoding: buffer[0..<max(count, 0)], as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard words.count == 3, words[0] == "started", let pid = Int32(words[1]), let time = Double(words[2]) else {
            learnStart(&attempt)  // the line is gone or torn; state.json says the same
            return
        }
        attempt.started = true
        watcher.queue.push(.started(attempt.handle, pid: pid, at: Date(timeIntervalSince1970: time)))
    }

    /// Learns the start from state.json (adopted attempts have no pipe to us).
    private func learnStart(_ attempt: inout WatchedAttempt) {
        guard !attempt.started, attempt.notifyFD < 0,
            let state = SupervisorState.read(AttemptFolder(path: attempt.handle.directory))
        else { return }
        attempt.started = true
        watcher.queue.push(.started(attempt.handle, pid: state.taskPid, at: Date(timeIntervalSince1970: state.startedAt)))
    }

    private mutating func scan() {
        for handle in Array(attempts.keys) {
            guard var attempt = attempts[handle] else { continue }
            if attempt.pidfd < 0 && !ProcessControl.isLocked(AttemptFolder(path: handle.directory).lock) {
                finish(handle)
                continue
            }
            learnStart(&attempt)
            readProgress(&attempt, final: false)
            attempts[handle] = attempt
        }
    }

    private func readProgress(_ attempt: inout WatchedAttempt, final: Bool) {
        let path = AttemptFolder(path: attempt.handle.directory).progress
        guard let size = FileIO.size(path), final || size != attempt.progressSize,
            let (bytes, size) = FileIO.readTail(path, count: 64 * 1024)
        else { return }
        attempt.progressSize = size
        guard let update = ProgressUpdate.latest(in: bytes, final: final), update != attempt.lastProgress else { return }
        attempt.lastProgress = update
        watcher.queue.push(.progress(attempt.handle, update))
    }

    /// The supervisor is gone: report the start if unseen, the last progress, then the end.
    private mutating func finish(_ handle: AttemptHandle) {
        guard var attempt = attempts.removeValue(forKey: handle) else { return }
        if attempt.notifyFD >= 0 { readStartLine(&attempt) }
        learnStart(&attempt)
        readProgress(&attempt, final: true)
        if attempt.pidfd >= 0 {
            ProcessControl.reap(pidfd: attempt.pidfd)
        } else if attempt.isChild {
            var status: Int32 = 0
            _ = waitpid(attempt.supervisorPid, &status, WNOHANG)
        }
        watcher.unregister(attempt)
        let observation = SupervisorResult.observation(for: handle) ?? AttemptRecovery.lost(
            handle, reason: "its supervisor (pid \(attempt.supervisorPid)) ended without writing a result")
        watcher.queue.push(observation)
    }
}
#endif
