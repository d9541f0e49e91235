/// Why the local runner could not start or find an attempt.
public enum LocalRunnerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No `sluice-supervisor` binary was found at any of these paths.
    case supervisorNotFound(tried: [String])
    /// The supervisor path given by `source` (an argument or `SLUICE_SUPERVISOR`) is not an executable file.
    case supervisorUnusable(path: String, source: String, reason: String)
    /// The attempt has no command to run.
    case emptyCommand(String)
    /// An argument or environment entry cannot be passed to a process (NUL byte, `=` in a name).
    case invalidArgument(attempt: String, String)
    /// A file or folder of the attempt could not be made or written.
    case fileSystem(path: String, reason: String)
    /// The supervisor process could not be started.
    case spawnFailed(String, String)
    /// Tasks are to run as another account, but this process is not root and cannot switch users.
    case taskUserNeedsRoot(String)

    public var description: String {
        switch self {
        case .supervisorNotFound(let tried):
            let places = tried.isEmpty ? "nothing to try" : tried.joined(separator: ", ")
            return "cannot find the sluice-supervisor binary (tried \(places)); build it with `swift build --product sluice-supervisor` or set SLUICE_SUPERVISOR to its path"
        case .supervisorUnusable(let path, let source, let reason):
            return "\(source) is \(path), which cannot be run as the supervisor: \(reason); unset it to use the sluice-supervisor beside the CLI"
        case .emptyCommand(let attempt):
            return "attempt \(attempt) has an empty command"
        case .invalidArgument(let attempt, let what):
            return "attempt \(attempt): \(what)"
        case .fileSystem(let path, let reason):
            return "cannot prepare \(path): \(reason)"
        case .spawnFailed(let executable, let reason):
            return "cannot start \(executable): \(reason)"
        case .taskUserNeedsRoot(let user):
            return "tasks cannot run as \(user): only a controller running as root can switch users"
        }
    }
}

extension LocalRunnerError {
    init(_ error: FileIOError) {
        self = .fileSystem(path: error.path, reason: error.reason)
    }
}
