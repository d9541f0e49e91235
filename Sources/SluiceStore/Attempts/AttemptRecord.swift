import Foundation

/// Why an attempt ran: the node's work, or its compensation.
public enum AttemptPurpose: String, Sendable, Codable, Hashable {
    case run
    case revert
}

/// What an attempt's process or pod used, as far as the backend could tell.
public struct ResourceUsage: Sendable, Codable, Equatable {
    /// Peak resident memory in bytes.
    public var maxRSSBytes: Int64?
    /// CPU time in user mode, in seconds.
    public var userCPUSeconds: Double?
    /// CPU time in the kernel, in seconds.
    public var systemCPUSeconds: Double?

    public init(maxRSSBytes: Int64? = nil, userCPUSeconds: Double? = nil, systemCPUSeconds: Double? = nil) {
        self.maxRSSBytes = maxRSSBytes
        self.userCPUSeconds = userCPUSeconds
        self.systemCPUSeconds = systemCPUSeconds
    }
}

/// One try of an action on a backend, as `sluice logs` and `status` show it. A projection of
/// the engine's state, written (upserted) through `StepCommit.attempts`.
public struct AttemptRecord: Sendable, Codable, Equatable {
    public var nodeID: String
    /// 1 for the first try.
    public var attempt: Int
    public var purpose: AttemptPurpose
    public var state: String
    public var started: Date?
    public var finished: Date?
    public var exitCode: Int32?
    /// The signal that ended the process, if one did.
    public var signal: Int32?
    public var error: String?
    /// Where the attempt's stdout/stderr files are.
    public var logDirectory: String?
    public var usage: ResourceUsage?

    public init(
        nodeID: String, attempt: Int, purpose: AttemptPurpose = .run, state: String,
        started: Date? = nil, finished: Date? = nil, exitCode: Int32? = nil, signal: Int32? = nil,
        error: String? = nil, logDirectory: String? = nil, usage: ResourceUsage? = nil
    ) {
        self.nodeID = nodeID
        self.attempt = attempt
        self.purpose = purpose
        self.state = state
        self.started = started
        self.finished = finished
        self.exitCode = exitCode
        self.signal = signal
        self.error = error
        self.logDirectory = logDirectory
        self.usage = usage
    }
}
