#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs an exec plugin in its own process group with stdin from /dev/null, collecting a bounded stdout
/// and the tail of stderr; the whole group is killed when it outlives the spec's timeout.
enum ExecPluginProcess {
    static let fallbackSearchPath = "/usr/local/bin:/usr/bin:/bin"
    static let stderrTailBytes = 8 << 10

    /// The plugin's stdout when it exits 0; otherwise an error saying which command and what went wrong.
    static func run(_ spec: ExecCredentialSpec, environment: [String: String], searchPath: String?) throws(KubeConfigError) -> [UInt8] {
        func failure(_ message: String) -> KubeConfigError {
            KubeConfigError(.credentials, file: spec.sourceFile, keyPath: spec.keyPath, "exec plugin \"\(spec.command)\" \(message)")
        }
        guard let executable = locate(spec.command, searchPath: searchPath ?? fallbackSearchPath) else {
            let hint = spec.installHint.map { "; \($0)" } ?? ""
            throw failure(spec.command.contains("/") ? "was not found or is not executable\(hint)" : "was not found on PATH\(hint)")
        }
        let child = try spawn(executable, arguments: spec.args, environment: environment).mapError { failure("could not be started: \($0.reason)") }.get()
        let collected = collect(child, deadline: ContinuousClock.now + spec.timeout, maxOutputBytes: spec.maxOutputBytes)
        if collected.timedOut || collected.tooLarge { kill(-child.pid, SIGKILL) }
        let status = reap(child.pid, deadline: ContinuousClock.now + spec.timeout)
        if collected.timedOut { throw failure("did not finish within \(spec.timeout) and was killed") }
        if collected.tooLarge { throw failure("wrote more than \(spec.maxOutputBytes) bytes to stdout and was killed") }
        if status & 0x7f != 0 {
            throw failure("was killed by signal \(status & 0x7f)\(stderrSuffix(collected.stderr))")
        }
        let code = (status >> 8) & 0xff
        guard code == 0 else { throw failure("failed with exit code \(code)\(stderrSuffix(collected.stderr))") }
        return collected.stdout
    }

    /// A command with a slash is a path; a bare name is searched on `searchPath` like Go's `exec.LookPath`.
    static func locate(_ command: String, searchPath: String) -> String? {
        if command.contains("/") { return FileBytes.isExecutableFile(command) ? command : nil }
        for folder in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = FilePath.join(folder.isEmpty ? "." : String(folder), command)
            if FileBytes.isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    /// ": " and the last few lines the plugin wrote to stderr, or nothing when it wrote none.
    static func stderrSuffix(_ stderr: [UInt8]) -> String {
        let lines = String(decoding: stderr, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !lines.isEmpty else { return " (nothing on stderr)" }
        var text = lines.suffix(3).joined(separator: " / ")
        if text.count > 600 { text = "…" + text.suffix(600) }
        return ": " + text
    }

    struct SpawnFailure: Error {
        var reason: String
    }

    struct Child {
        var pid: pid_t
        var stdout: Int32
        var stderr: Int32
    }

    private static func spawn(_ executable: String, arguments: [String], environment: [String: String]) -> Result<Child, SpawnFailure> {
        var out: [Int32] = [-1, -1], err: [Int32] = [-1, -1]
        guard makePipe(&out), makePipe(&err) else {
            let reason = FileBytes.describe(errno)
            for fd in out + err where fd >= 0 { close(fd) }
            return .failure(SpawnFailure(reason: reason))
        }
        defer { close(out[1]); close(err[1]) }
        #if os(Linux)
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #else
        var actions: posix_spawn_file_actions_t?
        var attributes: posix_spawnattr_t?
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so a timeout can kill what it started too; plain signal state.
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        var code = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        // ETXTBSY: the plugin file is still open for writing somewhere (being installed, or a descriptor
        // a concurrent fork inherited); that passes in moments.
        var pause = timespec(tv_sec: 0, tv_nsec: 5_000_000)
        for _ in 0..<8 where code == ETXTBSY {
            nanosleep(&pause, nil)
            pause.tv_nsec *= 2
            code = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        }
        guard code == 0 else {
            close(out[0])
            close(err[0])
            return .failure(SpawnFailure(reason: FileBytes.describe(code)))
        }
        return .success(Child(pid: pid, stdout: out[0], stderr: err[0]))
    }

    private static func makePipe(_ fds: inout [Int32]) -> Bool {
        #if os(Linux)
        return linuxPipe2(&fds, Int32(O_CLOEXEC)) == 0
        #else
        guard pipe(&fds) == 0 else { return false }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return true
        #endif
    }

    struct Collected {
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var timedOut = false
        var tooLarge = false
    }

    /// Reads both pipes until both close, the deadline passes, or stdout outgrows its bound; closes them.
    private static func collect(_ child: Child, deadline: ContinuousClock.Instant, maxOutputBytes: Int) -> Collected {
        var collected = Collected()
        var open = [child.stdout, child.stderr]
        defer { for fd in open where fd >= 0 { close(fd) } }
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while open.contains(where: { $0 >= 0 }) && !collected.tooLarge {
            let remaining = milliseconds(until: deadline)
            guard remaining > 0 else { collected.timedOut = true; break }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining, 1000)))
            if ready < 0 && errno != EINTR { break }
            for (slot, entry) in fds.enumerated() where entry.fd >= 0 && entry.revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                guard count > 0 else {
                    close(entry.fd)
                    open[slot] = -1
                    continue
                }
                if slot == 0 {
                    collected.stdout += buffer[0..<count]
                    if collected.stdout.count > maxOutputBytes { collected.tooLarge = true }
                } else {
                    collected.stderr += buffer[0..<count]
                    if collected.stderr.count > stderrTailBytes { collected.stderr.removeFirst(collected.stderr.count - stderrTailBytes) }
                }
            }
        }
        return collected
    }

    /// The wait status of `pid`; a child that closed its pipes but keeps running past the deadline is killed.
    private static func reap(_ pid: pid_t, deadline: ContinuousClock.Instant) -> Int32 {
        var status: Int32 = 0
        var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return status }
            if result < 0 && errno != EINTR { return status }
            if milliseconds(until: deadline) <= 0 {
                kill(-pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                return status
            }
            nanosleep(&pause, nil)
            pause.tv_nsec = min(pause.tv_nsec * 2, 20_000_000)
        }
    }

    private static func milliseconds(until deadline: ContinuousClock.Instant) -> Int64 {
        let (seconds, attoseconds) = ContinuousClock.now.duration(to: deadline).components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

#if os(Linux)
/// glibc's pipe2, which Swift's Glibc module hides (it needs _GNU_SOURCE): both ends are close-on-exec
/// from the start, so a process another thread spawns meanwhile cannot inherit them and hold the pipe open.
@_silgen_name("pipe2")
private func linuxPipe2(_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32
#endif
