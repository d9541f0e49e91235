import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process with the part of Foundation's `Process` interface the tests and KubeSim use, spawned with
/// `posix_spawn` directly. Foundation's `Process.run()` on Linux (swift-corelibs-foundation up to at least the
/// Swift 6.3.1 toolchain) lists `/proc/self/fd` by copying each entry's whole 256-byte `d_name` and now and then
/// reads past glibc's directory buffer into an unmapped page: a crash of the whole test run (swift-corelibs-
/// foundation pull request 5472). This one closes the child's descriptors above 2 with
/// `posix_spawn_file_actions_addclosefrom_np` (or from a correct `/proc/self/fd` listing where the C library
/// lacks it), and waits on a pidfd.
///
/// As Foundation's: the child gets a process group of its own, its standard streams come from a `Pipe` (the
/// child's end is closed here once it runs), a `FileHandle`, or nil and `FileHandle.nullDevice` (/dev/null); it
/// inherits the standard streams by default; `terminationStatus` is the signal number after an uncaught signal.
public final class ChildProcess: @unchecked Sendable {
    public enum TerminationReason: Sendable { case exit, uncaughtSignal }

    public struct LaunchError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot run \(path): \(reason)" }
    }

    public var executableURL: URL?
    public var arguments: [String]?
    /// The child's whole environment; this process's when nil.
    public var environment: [String: String]?
    public var currentDirectoryURL: URL?
    public var standardInput: Any? = FileHandle.standardInput
    public var standardOutput: Any? = FileHandle.standardOutput
    public var standardError: Any? = FileHandle.standardError

    private let lock = NSLock()
    private var pid: pid_t = 0
    private var pidfd: Int32 = -1
    private var ended: (reason: TerminationReason, status: Int32)?

    public init() {}

    deinit {
        if pidfd >= 0 { close(pidfd) }
    }

    public var processIdentifier: Int32 { lock.withLock { pid } }

    public var isRunning: Bool {
        lock.withLock {
            guard pid > 0 else { return false }
            return reapLocked() == nil
        }
    }

    public var terminationStatus: Int32 {
        guard let ended = lock.withLock({ ended }) else { preconditionFailure("the process has not ended") }
        return ended.status
    }

    public var terminationReason: TerminationReason {
        guard let ended = lock.withLock({ ended }) else { preconditionFailure("the process has not ended") }
        return ended.reason
    }

    public func terminate() { signal(SIGTERM) }
    public func interrupt() { signal(SIGINT) }

    private func signal(_ number: Int32) {
        lock.withLock {
            if pid > 0 && ended == nil { kill(pid, number) }
        }
    }

    /// Blocks the calling thread until the child ends (never call it on the Swift concurrency pool).
    public func waitUntilExit() {
        let (child, descriptor) = lock.withLock { (pid, pidfd) }
        precondition(child > 0, "the process was not started")
        if descriptor >= 0 {
            var readable = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            while lock.withLock({ ended == nil }) {
                if poll(&readable, 1, -1) > 0 { break }
            }
            lock.withLock { _ = reapLocked() }
            return
        }
        // No pidfd: a blocking wait; whoever reaps first records the end.
        var status: Int32 = 0
        var got: pid_t
        repeat { got = waitpid(child, &status, 0) } while got < 0 && errno == EINTR
        lock.withLock {
            if got == child && ended == nil { ended = Self.decode(status) }
            if ended == nil { ended = (.exit, -1) }
        }
    }

    /// The end if the child has ended (reaping it), nil while it runs. Caller holds the lock.
    private func reapLocked() -> (reason: TerminationReason, status: Int32)? {
        if let ended { return ended }
        var status: Int32 = 0
        let got = waitpid(pid, &status, WNOHANG)
        if got == pid { ended = Self.decode(status) }
        else if got < 0 && errno == ECHILD { ended = (.exit, -1) }  // reaped elsewhere: gone, status unknown
        return ended
    }

    private static func decode(_ status: Int32) -> (reason: TerminationReason, status: Int32) {
        let signal = status & 0x7f
        if signal != 0 && signal != 0x7f { return (.uncaughtSignal, signal) }
        return (.exit, (status >> 8) & 0xff)
    }

    public func run() throws {
        guard let executable = executableURL?.path else { throw LaunchError(path: "", reason: "no executable was set") }
        precondition(lock.withLock { pid == 0 }, "a ChildProcess runs once")
        guard access(executable, X_OK) == 0 else { throw LaunchError(path: executable, reason: String(cString: strerror(errno))) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var parentCloses: [FileHandle] = []
        var kept: Set<Int32> = [0, 1, 2]
        for (target, stream, isInput) in [(Int32(0), standardInput, true), (1, standardOutput, false), (2, standardError, false)] {
            switch stream {
            case let pipe as Pipe:
                let childEnd = isInput ? pipe.fileHandleForReading : pipe.fileHandleForWriting
                posix_spawn_file_actions_adddup2(&actions, childEnd.fileDescriptor, target)
                parentCloses.append(childEnd)
            case let handle as FileHandle where handle === FileHandle.nullDevice:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", isInput ? O_RDONLY : O_WRONLY, 0)
            case let handle as FileHandle where handle.fileDescriptor == target:
                break  // this process's own stream, inherited
            case let handle as FileHandle:
                posix_spawn_file_actions_adddup2(&actions, handle.fileDescriptor, target)
            default:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", isInput ? O_RDONLY : O_WRONLY, 0)
            }
        }
        if let closeFrom = Self.addCloseFrom {
            _ = closeFrom(&actions, 3)
        } else {
            for fd in Self.openDescriptors() where !kept.contains(fd) {
                posix_spawn_file_actions_addclose(&actions, fd)
                kept.insert(fd)
            }
        }
        if let directory = currentDirectoryURL?.path {
            guard let addChdir = Self.addChdir else {
                throw LaunchError(path: executable, reason: "this C library cannot set a child's working directory (posix_spawn_file_actions_addchdir_np)")
            }
            _ = addChdir(&actions, directory)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))

        let argv = ([executable] + (arguments ?? [])).map { strdup($0) } + [nil]
        let variables = environment ?? ProcessInfo.processInfo.environment
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }

        var child: pid_t = 0
        let code = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard code == 0 else { throw LaunchError(path: executable, reason: String(cString: strerror(code))) }
        let descriptor = Self.pidfdOpen?(child, 0) ?? -1  // close-on-exec as the kernel makes it
        lock.withLock {
            pid = child
            pidfd = descriptor
        }
        for handle in parentCloses { try? handle.close() }
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32

    /// glibc 2.29+; not declared by the Swift overlay.
    private static let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: AddChdir.self) }
    /// glibc 2.36+ (Linux 5.3+); nil means a blocking waitpid instead.
    private static let pidfdOpen: PidfdOpen? = dlsym(nil, "pidfd_open").map { unsafeBitCast($0, to: PidfdOpen.self) }

    /// glibc 2.34+ has it; the Swift overlay does not declare it.
    private static let addCloseFrom: AddCloseFrom? = {
        dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: AddCloseFrom.self) }
    }()

    /// This process's open descriptors, from /proc/self/fd (each name read up to its NUL, never beyond).
    private static func openDescriptors() -> [Int32] {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        let own = dirfd(directory)
        var found: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 1) { String(cString: $0) }
            }
            if let fd = Int32(name), fd != own { found.append(fd) }
        }
        return found
    }
}
