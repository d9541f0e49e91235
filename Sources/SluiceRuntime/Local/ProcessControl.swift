#if os(Linux)
import Glibc

/// Linux process primitives beyond what the Glibc module exports: pidfds, flock probes and
/// process identity (pid + start time + boot id), so a recycled pid is never signalled.
enum ProcessControl {
    private typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32
    private typealias PidfdSendSignal = @convention(c) (Int32, Int32, UnsafeMutableRawPointer?, UInt32) -> Int32
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32

    // glibc 2.36 exports these, but no header of the Glibc module declares them.
    private static let pidfdOpenFunction: PidfdOpen? = dlsym(nil, "pidfd_open").map {
        unsafeBitCast($0, to: PidfdOpen.self)
    }
    private static let pidfdSendSignalFunction: PidfdSendSignal? = dlsym(nil, "pidfd_send_signal").map {
        unsafeBitCast($0, to: PidfdSendSignal.self)
    }

    private static let pipe2Function: Pipe2? = dlsym(nil, "pipe2").map { unsafeBitCast($0, to: Pipe2.self) }

    /// A pipe whose ends are close-on-exec from birth (no other thread's spawn can inherit
    /// them) and non-blocking; nil with errno set on failure.
    static func makePipe() -> (read: Int32, write: Int32)? {
        var fds: [Int32] = [-1, -1]
        if let pipe2 = pipe2Function {
            guard pipe2(&fds, O_CLOEXEC | O_NONBLOCK) == 0 else { return nil }
        } else {
            guard pipe(&fds) == 0 else { return nil }
            for fd in fds {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, O_NONBLOCK)
            }
        }
        return (fds[0], fds[1])
    }

    /// A pidfd for `pid` (readable once the process has exited), or -1 where the kernel has none.
    static func pidfdOpen(_ pid: pid_t) -> Int32 {
        guard let open = pidfdOpenFunction else { return -1 }
        let fd = open(pid, 0)
        if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return fd
    }

    /// Sends `signal` to exactly the process behind the pidfd.
    @discardableResult
    static func send(_ signal: Int32, toPidfd fd: Int32) -> Bool {
        guard let send = pidfdSendSignalFunction else { return false }
        return send(fd, signal, nil, 0) == 0
    }

    /// Reaps the process behind the pidfd if it is our child and has exited (no-op otherwise).
    static func reap(pidfd fd: Int32) {
        var info = siginfo_t()
        _ = waitid(P_PIDFD, id_t(fd), &info, WEXITED | WNOHANG)
    }

    /// Whether some process holds the exclusive flock on `path` (the supervisor's liveness lock).
    static func isLocked(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 { return false }  // closing releases our probe
        return errno == EWOULDBLOCK
    }

    /// Opens (creating) `path` and takes its exclusive flock; nil when a live process holds it.
    static func lockExclusively(_ path: String) throws(FileIOError) -> Int32? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileIOError(path: path, reason: FileIO.describe(errno)) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return fd }
        let code = errno
        close(fd)
        if code == EWOULDBLOCK { return nil }
        throw FileIOError(path: path, reason: FileIO.describe(code))
    }

    /// Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), nil when the pid is gone.
    static func startTime(of pid: pid_t) -> UInt64? {
        guard let bytes = try? FileIO.read("/proc/\(pid)/stat", limit: 4096),
            let paren = bytes.lastIndex(of: UInt8(ascii: ")"))
        else { return nil }
        let fields = bytes[(paren + 1)...].split(separator: UInt8(ascii: " "))
        // fields[0] is field 3 (state), so field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return UInt64(String(decoding: fields[19], as: UTF8.self))
    }

    static let bootID: String = {
        guard let bytes = try? FileIO.read("/proc/sys/kernel/random/boot_id", limit: 128) else { return "" }
        return String(decoding: bytes.filter { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
    }()

    /// Whether `pid` is still the process that started at `startTime` during boot `bootID`.
    static func isSameProcess(pid: pid_t, startTime: UInt64, bootID: String) -> Bool {
        pid > 0 && bootID == self.bootID && self.startTime(of: pid) == startTime
    }
}

#endif
