/// What to run for one attempt (one try of one workflow node) as a local process.
public struct AttemptLaunch: Sendable, Hashable, Codable {
    /// Why the attempt runs: the node's own command, or its revert (compensation) command.
    public enum Purpose: String, Sendable, Hashable, Codable {
        case run
        case revert
    }

    public var runID: String
    public var nodeID: String
    public var attempt: Int
    public var purpose: Purpose
    /// The argv, already substituted; run without a shell unless argv[0] is one.
    public var command: [String]
    /// Extra environment; the runner adds `SLUICE_*` and inherits `PATH`, `HOME`, `LANG`.
    public var environment: [String: String]
    /// Written to `inputs.json` (`$SLUICE_INPUTS`) before the task starts.
    public var inputsJSON: String
    /// Enforced with a memory cgroup where one is writable; otherwise stderr.log says so.
    public var memoryLimitBytes: Int64?
    /// CPU quota in millicores (1000 = one core), best effort like the memory limit.
    public var cpuLimitMillis: Int64?
    /// The task's working directory (`working_dir`): absolute, or relative to the attempt's `work/` folder
    /// (made if missing); nil runs it in `work/`.
    public var workingDirectory: String?

    public init(
        runID: String, nodeID: String, attempt: Int, purpose: Purpose = .run, command: [String],
        environment: [String: String] = [:], inputsJSON: String = "{}",
        memoryLimitBytes: Int64? = nil, cpuLimitMillis: Int64? = nil, workingDirectory: String? = nil
    ) {
        self.runID = runID
        self.nodeID = nodeID
        self.attempt = attempt
        self.purpose = purpose
        self.command = command
        self.environment = environment
        self.inputsJSON = inputsJSON
        self.memoryLimitBytes = memoryLimitBytes
        self.cpuLimitMillis = cpuLimitMillis
        self.workingDirectory = workingDirectory
    }
}

/// Names a started attempt and the folder that holds its files.
public struct AttemptHandle: Sendable, Hashable, CustomStringConvertible {
    public var runID: String
    public var nodeID: String
    public var attempt: Int
    public var purpose: AttemptLaunch.Purpose
    /// Absolute path of the attempt's folder (`<root>/<run>/<node>/<attempt>[-revert]`).
    public var directory: String

    public init(runID: String, nodeID: String, attempt: Int, purpose: AttemptLaunch.Purpose, directory: String) {
        self.runID = runID
        self.nodeID = nodeID
        self.attempt = attempt
        self.purpose = purpose
        self.directory = directory
    }

    public var description: String {
        "\(runID)/\(nodeID)#\(attempt)\(purpose == .revert ? "-revert" : "")"
    }
}
