#if os(Linux)
import Foundation
import Glibc
import SupervisorCore
import Synchronization

/// One long-lived `sluice-supervisor --host` per runner, started on the first attempt: it forks each attempt's
/// supervisor instead of the runner exec'ing a new one, which saves one program start per attempt (~0.6–0.9 ms
/// on these VMs). The forked supervisor behaves exactly as a spawned one: it leaves the session, holds the
/// attempt's lock and outlives the host and the runner; Sources/SupervisorCore/host.c says how.
///
/// Nothing depends on the host: when it cannot be started, is gone, or a request does not fit its socket, the
/// runner spawns that supervisor itself. After three failures in a row it stops trying. A host that does not answer
/// within `replyTimeout` is killed; the runner then looks at the attempt's lock to learn whether it forked the
/// supervisor before it stalled (follow that one) or not (spawn one). `SLUICE_SUPERVISOR_HOST=0`
/// turns it off (benchmarks compare both).
final class SupervisorHost: Sendable {
    private struct State {
        var socket: Int32 = -1
        var pid: pid_t = 0
        var failures = 0
        var closed = false
        var replyTimeout: Duration = .seconds(20)
    }

    private let launcher: SupervisorLauncher
    private let state = Mutex(State())

    /// nil when `SLUICE_SUPERVISOR_HOST=0`.
    init?(launcher: SupervisorLauncher) {
        if let value = getenv("SLUICE_SUPERVISOR_HOST"), String(cString: value) == "0" { return nil }
        self.launcher = launcher
    }

    /// What asking the host for a supervisor came to.
    enum Outcome {
        /// Forked: the supervisor's pid and a pidfd (-1 without pidfds).
        case forked(pid: pid_t, pidfd: Int32)
        /// Not forked (no host, a host that is gone, a request too large for its socket): spawn it directly.
        case unavailable
        /// The host did not answer within `replyTimeout`; it is killed and reaped now, so it forks nothing more,
        /// but it may have forked this supervisor before it stalled. Whoever holds the attempt's lock tells.
        case unsure
    }

    /// How long a request waits for the host's answer (a fork of a small static process: well under a
    /// millisecond unless the host is stopped or stuck).
    var replyTimeout: Duration {
        get { state.withLock { $0.replyTimeout } }
        set { state.withLock { $0.replyTimeout = newValue } }
    }

    /// Asks the host for a supervisor with these arguments (argv[0] first) and environment.
    func spawn(arguments: [String], environment: [String], stderrFD: Int32, lockFD: Int32, notifyFD: Int32) -> Outcome {
        state.withLock { s in
            guard !s.closed else { return .unavailable }
            if s.socket < 0 {
                guard s.failures < 3, let (socket, pid) = start() else {
                    s.failures += 1
                    return .unavailable
                }
                s.socket = socket
                s.pid = pid
            }
            var pidfd: Int32 = -1
            let (seconds, attoseconds) = s.replyTimeout.components
            let timeout = Int32(clamping: max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000))
            let result = withCStrings(arguments) { argv in
                withCStrings(environment) { envp in
                    sluice_host_spawn(s.socket, argv, Int32(arguments.count), envp, Int32(environment.count), stderrFD, lockFD, notifyFD,
                                      timeout, &pidfd)
                }
            }
            if result > 0 {
                s.failures = 0
                return .forked(pid: pid_t(result), pidfd: pidfd)
            }
            // Too large for the socket: this one is spawned directly, the host stays.
            if -result == EMSGSIZE { return .unavailable }
            if -result == ETIMEDOUT {
                // Killed and reaped before anyone looks at the lock: a dead host forks nothing more.
                kill(s.pid, SIGKILL)
                var status: Int32 = 0
                while waitpid(s.pid, &status, 0) < 0 && errno == EINTR {}
                Glibc.close(s.socket)
                s.socket = -1
                s.failures += 1
                return .unsure
            }
            // Anything else means the host is gone or broken: it is replaced on the next attempt.
            stop(&s)
            s.failures += 1
            return .unavailable
        }
    }

    /// Ends the host (it exits when its socket closes; supervisors it forked keep running).
    func close() {
        state.withLock { s in
            s.closed = true
            stop(&s)
        }
    }

    /// Whether a host process runs now (tests).
    var hostPid: pid_t? { state.withLock { $0.socket >= 0 ? $0.pid : nil } }

    private func start() -> (Int32, pid_t)? {
        var pid: pid_t = 0
        let socket = withCStrings(launcher.leadingArguments) { leading in
            sluice_host_start(launcher.executable, leading, Int32(launcher.leadingArguments.count), &pid)
        }
        return socket >= 0 ? (socket, pid) : nil
    }

    private func stop(_ s: inout State) {
        guard s.socket >= 0 else { return }
        Glibc.close(s.socket)
        s.socket = -1
        // The host exits on the closed socket; its exit is collected off the caller's thread.
        let pid = s.pid
        Thread.detachNewThread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
    }
}

/// Calls `body` with a C array of the strings (NUL-free, as `LocalRunner` checks).
private func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
    // NULL-terminated, which also keeps an empty list's buffer non-nil.
    let copies = strings.map { UnsafePointer(strdup($0)) } + [nil]
    defer { copies.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
    return copies.withUnsafeBufferPointer { body($0.baseAddress!) }
}
#endif
