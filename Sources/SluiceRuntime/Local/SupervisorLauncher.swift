#if os(Linux)
import Glibc
import Synchronization

/// A program that links SupervisorCore and answers `command` by calling `sluice_supervisor_main` (the `sluice`
/// CLI) registers here; with no `sluice-supervisor` binary to be found, attempts then run under that program.
public enum EmbeddedSupervisor {
    /// The hidden first argument that makes such a program a supervisor.
    public static let command = "__supervise"
    private static let registered = Atomic<Bool>(false)

    public static func register() { registered.store(true, ordering: .relaxed) }
    static var isRegistered: Bool { registered.load(ordering: .relaxed) }
}

/// Starts `sluice-supervisor` for an attempt with posix_spawn, handing it the attempt's
/// locked `supervisor.lock` (fd 3) and the write end of a pipe for its "started" line (fd 4).
struct SupervisorLauncher: Sendable {
    /// Environment variables passed on from the controller to every task.
    static let inheritedVariables = ["PATH", "HOME", "LANG"]
    static let fallbackPath = "/usr/local/bin:/usr/bin:/bin"

    let executable: String
    /// Arguments before the supervisor's own: `[EmbeddedSupervisor.command]` when the supervisor is this program.
    var leadingArguments: [String] = []

    /// The supervisor binary: the given path, else `$SLUICE_SUPERVISOR`, else `sluice-supervisor` beside this
    /// executable, else this program itself when it embeds the supervisor (`EmbeddedSupervisor.register`). A path
    /// that is given (argument or variable) must be an executable file: it is never silently passed over.
    static func locate(_ explicit: String?) throws(LocalRunnerError) -> SupervisorLauncher {
        for (candidate, source) in [(explicit, "the supervisor path"), (environmentValue("SLUICE_SUPERVISOR"), "SLUICE_SUPERVISOR")] {
            guard let candidate, !candidate.isEmpty else { continue }
            if access(candidate, X_OK) == 0 { return SupervisorLauncher(executable: candidate) }
            throw .supervisorUnusable(path: candidate, source: source, reason: FileIO.describe(errno))
        }
        let ourselves = readExecutablePath()
        let beside = ourselves.map { dirname(of: $0) + "/sluice-supervisor" }
        if let beside, access(beside, X_OK) == 0 { return SupervisorLauncher(executable: beside) }
        if let ourselves, EmbeddedSupervisor.isRegistered {
            return SupervisorLauncher(executable: ourselves, leadingArguments: [EmbeddedSupervisor.command])
        }
        throw .supervisorNotFound(tried: beside.map { [$0] } ?? [])
    }

    /// The environment of the task: inherited basics, the launch's extras, then `SLUICE_*`.
    static func environment(for launch: AttemptLaunch, folder: AttemptFolder, user: TaskUser? = nil) -> [String: String] {
        var environment: [String: String] = [:]
        for name in inheritedVariables {
            if let value = environmentValue(name) { environment[name] = value }
        }
        if let user {
            environment["HOME"] = user.home
            environment["USER"] = user.name
            environment["LOGNAME"] = user.name
        }
        environment["PATH"] = environment["PATH"] ?? fallbackPath
        environment.merge(launch.environment) { _, extra in extra }
        environment["SLUICE_RUN_ID"] = launch.runID
        environment["SLUICE_NODE_ID"] = launch.nodeID
        environment["SLUICE_ATTEMPT"] = String(launch.attempt)
        environment["SLUICE_INPUTS"] = folder.inputs
        environment["SLUICE_OUTPUTS"] = folder.outputs
        environment["SLUICE_PROGRESS"] = folder.progress
        return environment
    }

    /// The supervisor's own arguments (after argv[0]): its lock on fd 3, its "started" pipe on fd 4.
    static func arguments(for launch: AttemptLaunch, folder: AttemptFolder, user: TaskUser?) -> [String] {
        var arguments = ["--lock-fd", "3", "--notify-fd", "4"]
        if let user { arguments += ["--user", "\(user.uid):\(user.gid)"] }
        if let memory = launch.memoryLimitBytes { arguments += ["--memory", String(memory)] }
        if let cpu = launch.cpuLimitMillis { arguments += ["--cpu", String(cpu)] }
        if let dir = launch.workingDirectory { arguments += ["--workdir", dir] }
        return arguments + [folder.path, "--"] + launch.command
    }

    /// Spawns the supervisor; returns its pid. `lockFD` must hold the attempt's flock.
    func spawn(_ launch: AttemptLaunch, folder: AttemptFolder, lockFD: Int32, notifyFD: Int32, user: TaskUser? = nil) throws(LocalRunnerError) -> pid_t {
        let arguments = [executable] + leadingArguments + Self.arguments(for: launch, folder: folder, user: user)
        let environment = Self.environment(for: launch, folder: folder, user: user).map { "\($0.key)=\($0.value)" }

        // Move both descriptors above 4 first: dup2 onto the same number would keep O_CLOEXEC.
        let lock = fcntl(lockFD, F_DUPFD_CLOEXEC, 10), notify = fcntl(notifyFD, F_DUPFD_CLOEXEC, 10)
        defer {
            if lock >= 0 { close(lock) }
            if notify >= 0 { close(notify) }
        }
        guard lock >= 0, notify >= 0 else { throw .spawnFailed(executable, FileIO.describe(errno)) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The supervisor must not hold the controller's stdout/stderr (a pipe reader would wait
        // for it); its own rare complaints go to the attempt's stderr.log.
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, folder.stderr, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, lock, 3)
        posix_spawn_file_actions_adddup2(&actions, notify, 4)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Born with its signals blocked (an early cancel waits for it) and default dispositions.
        var blocked = sigset_t(), defaults = sigset_t()
        sigemptyset(&blocked)
        for signal in [SIGCHLD, SIGUSR1, SIGTERM, SIGINT, SIGHUP] { sigaddset(&blocked, signal) }
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigmask(&attributes, &blocked)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard code == 0 else { throw .spawnFailed(executable, FileIO.describe(code)) }
        return pid
    }

    private static func environmentValue(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    private static func readExecutablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func dirname(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }
}
#endif
