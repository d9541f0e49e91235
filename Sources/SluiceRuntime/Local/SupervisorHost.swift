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
/// runner spawns that supervisor itself. After three failures in a row it stops trying. `SLUICE_SUPERVISOR_HOST=0`
/// turns it off (benchmarks compare both).
final class SupervisorHost: Sendable {
    private struct State {
        var socket: Int32 = -1
        var pid: pid_t = 0
        var failures = 0
        var closed = false
    }

    private let launcher: SupervisorLauncher
    private let state = Mutex(State())

    /// nil when `SLUICE_SUPERVISOR_HOST=0`.
    init?(launcher: SupervisorLauncher) {
        if let value = getenv("SLUICE_SUPERVISOR_HOST"), String(cString: value) == "0" { return nil }
        self.launcher = launcher
    }

    /// A supervisor forked by the host for these arguments (argv[0] first) and environment: its pid and a pidfd
    /// (-1 without pidfds). nil when the host cannot do it; the caller then spawns the supervisor itself.
    func spawn(arguments: [String], environment: [String], stderrFD: Int32, lockFD: Int32, notifyFD: Int32) -> (pid: pid_t, pidfd: Int32)? {
        state.withLock { s in
            guard !s.closed else { return nil }
            if s.socket < 0 {
                guard s.failures < 3, let (socket, pid) = start() else {
                    s.failures += 1
                    return nil
                }
                s.socket = socket
                s.pid = pid
            }
            var pidfd: Int32 = -1
            let result = withCStrings(arguments) { argv in
                withCStrings(environment) { envp in
                    sluice_host_spawn(s.socket, argv, Int32(arguments.count), envp, Int32(environment.count), stderrFD, lockFD, notifyFD, &pidfd)
                }
            }
            if result > 0 {
                s.failures = 0
                return (pid_t(result), pidfd)
            }
            // Too large for the socket: this one is spawned directly, the host stays.
            if -result == EMSGSIZE { return nil }
            // Anything else means the host is gone or broken: it is replaced on the next attempt.
            stop(&s)
            s.failures += 1
            return nil
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
