import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A container run as a local process in its own process group, its output going to a `ContainerLog`.
///
/// One thread per process reads the output and reaps the process; nothing blocks the concurrency pool.
public final class ContainerProcess: Sendable {
    /// How the process ended, as a container runtime reports it: a signal `n` gives exit code 128+n.
    public struct End: Sendable, Equatable {
        public var exitCode: Int32
        public var signal: Int32?
    }

    public let pid: pid_t

    init(pid: pid_t) { self.pid = pid }

    /// Sends `signal` to the whole process group (the command and whatever it started).
    public func send(_ signal: Int32) {
        _ = kill(-pid, signal)
    }

    /// Starts `command` (its argv must not be empty); `onExit` runs on the reader thread once the process
    /// has ended and its output is drained. Throws the `errno` of a failed start (ENOENT for a missing
    /// executable).
    public static func spawn(_ command: ContainerCommand, log: ContainerLog,
                             onExit: @escaping @Sendable (End) -> Void) throws -> ContainerProcess {
        try FileManager.default.createDirectory(atPath: command.workingDirectory, withIntermediateDirectories: true)
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        posix_spawn_file_actions_addclose(&actions, writeEnd)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        // glibc's addchdir_np is not visible to Swift: a shell enters the folder and execs the command, so the
        // command keeps the pid (and its exit status) of the spawned process.
        let path = command.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let executable = Self.resolve(command.argv[0], path: path, folder: command.workingDirectory)
        guard access(executable, X_OK) == 0 else {
            close(readEnd)
            close(writeEnd)
            throw POSIXError(.ENOENT)
        }
        let words = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", command.workingDirectory, executable]
            + command.argv.dropFirst()
        let argv = words.map { strdup($0) } + [nil]
        let envp = command.environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var spawned: pid_t = 0
        let rc = posix_spawn(&spawned, "/bin/sh", &actions, &attributes, argv, envp)
        close(writeEnd)
        guard rc == 0 else {
            close(readEnd)
            throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO)
        }
        let pid = spawned
        let process = ContainerProcess(pid: pid)
        let thread = Thread { Self.drain(pid: pid, output: readEnd, log: log, onExit: onExit) }
        thread.name = "kubesim-container-\(pid)"
        thread.start()
        return process
    }

    /// `name` if absolute, relative to `folder` if it has a slash, else the first executable `PATH` entry
    /// holding it (the container's PATH).
    static func resolve(_ name: String, path: String, folder: String) -> String {
        if name.hasPrefix("/") { return name }
        if name.contains("/") { return folder + "/" + name }
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return name
    }

    /// Reads output until the process has exited and the pipe is quiet, then reports the end.
    static func drain(pid: pid_t, output: Int32, log: ContainerLog, onExit: @Sendable (End) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        var end: End?
        var open = true
        while open {
            var poller = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, end == nil ? 50 : 0)
            if ready > 0 {
                let n = buffer.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
                if n > 0 {
                    log.append(buffer[0..<n])
                    continue
                }
                if n < 0, errno == EINTR { continue }
                open = false  // EOF: every writer (grandchildren too) has closed
            } else if end != nil {
                open = false  // exited, and a grandchild holding the pipe is not ours to wait for
            }
            if end == nil { end = reap(pid, wait: !open) }
        }
        close(output)
        onExit(end ?? reap(pid, wait: true) ?? End(exitCode: 255, signal: nil))
    }

    /// The process's end when it has ended (waiting for it when `wait`).
    static func reap(_ pid: pid_t, wait: Bool) -> End? {
        var status: Int32 = 0
        var rc: pid_t
        repeat { rc = waitpid(pid, &status, wait ? 0 : WNOHANG) } while rc < 0 && errno == EINTR
        guard rc == pid else { return rc < 0 ? End(exitCode: 255, signal: nil) : nil }
        let signal = status & 0x7f
        if signal == 0 { return End(exitCode: (status >> 8) & 0xff, signal: nil) }
        return End(exitCode: 128 + signal, signal: signal)
    }
}
