#if os(Linux)
import Foundation
import Glibc
import Synchronization

/// How a replica's process ended.
public struct ReplicaExit: Sendable, Equatable, CustomStringConvertible {
    public var code: Int32?
    public var signal: Int32?
    /// What else is known of the end (a container's: out of memory, the signal behind code 137, the runtime's error).
    public var detail: String?

    public var description: String {
        if let signal { return "killed by signal \(signal)\(signal == SIGKILL ? " (SIGKILL)" : signal == SIGTERM ? " (SIGTERM)" : "")" }
        return "exited with code \(code ?? -1)" + (detail.map { " (\($0))" } ?? "")
    }
}

/// What starting a replica needs: the command, its environment, where its output goes and where it runs.
struct ReplicaLaunch: Sendable {
    var command: [String]
    var environment: [String: String]
    var logPath: String
    var workingDirectory: String
}

/// One replica's child process, leader of a process group of its own (so everything it starts is signalled with
/// it). A thread of its own waits for the exit; `exited()` resumes every waiter with it.
final class ReplicaProcess: Sendable {
    let pid: pid_t
    private let state = Mutex<(exit: ReplicaExit?, waiters: [CheckedContinuation<ReplicaExit, Never>])>((nil, []))

    private init(pid: pid_t) { self.pid = pid }

    /// Spawns the command; throws a sentence naming the program when it cannot start.
    static func start(_ launch: ReplicaLaunch) throws(AppRuntimeError) -> ReplicaProcess {
        guard let program = launch.command.first else { throw .cannotStart("the app has no command") }
        let log = open(launch.logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard log >= 0 else { throw .cannotStart("cannot open \(launch.logPath): \(String(cString: strerror(errno)))") }
        defer { close(log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, log, 1)
        posix_spawn_file_actions_adddup2(&actions, log, 2)
        // Nothing of the server (its listening socket, the store) leaks into the app.
        if let closeFrom = SpawnExtras.addCloseFrom { _ = closeFrom(&actions, 3) }
        if let chdir = SpawnExtras.addChdir { _ = chdir(&actions, launch.workingDirectory) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, no blocked signals, default dispositions (the server ignores some signals and
        // ignored dispositions survive exec).
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = launch.command.map { strdup($0) } + [nil]
        let envp = launch.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let code: Int32
        if program.contains("/") {
            code = posix_spawn(&pid, program, &actions, &attributes, argv, envp)
        } else {
            guard let resolved = resolve(program, path: launch.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin") else {
                throw .cannotStart("'\(program)' is not an executable on PATH")
            }
            code = posix_spawn(&pid, resolved, &actions, &attributes, argv, envp)
        }
        guard code == 0 else { throw .cannotStart("cannot start '\(program)': \(String(cString: strerror(code)))") }
        let process = ReplicaProcess(pid: pid)
        Thread.detachNewThread { process.waitBlocking() }
        return process
    }

    /// The replica's exit, once it has happened.
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

    var hasExited: Bool { state.withLock { $0.exit != nil } }

    /// Signals the whole process group (the replica and whatever it started).
    func signalGroup(_ signal: Int32) {
        _ = kill(-pid, signal)
    }

    private func waitBlocking() {
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, 0) } while result < 0 && errno == EINTR
        let exit: ReplicaExit
        if result < 0 {
            exit = ReplicaExit(code: -1, signal: nil)
        } else if status & 0x7f == 0 {
            exit = ReplicaExit(code: (status >> 8) & 0xff, signal: nil)
        } else {
            exit = ReplicaExit(code: nil, signal: status & 0x7f)
        }
        // Whatever the replica left running in its group goes with it.
        signalGroup(SIGKILL)
        let waiters = state.withLock { s in
            s.exit = exit
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume(returning: exit) }
    }

    private static func resolve(_ program: String, path: String) -> String? {
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(program)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}

/// glibc spawn file actions that no header of the Glibc module declares.
private enum SpawnExtras {
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
        unsafeBitCast($0, to: AddCloseFrom.self)
    }
    static let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map {
        unsafeBitCast($0, to: AddChdir.self)
    }
}
#endif
