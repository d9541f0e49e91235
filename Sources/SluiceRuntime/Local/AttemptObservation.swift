import Foundation

/// Something the local runner saw happen to an attempt.
public enum AttemptObservation: Sendable {
    /// The task's process is running with this pid (also its process group id).
    case started(AttemptHandle, pid: Int32, at: Date)
    /// The task ended and its supervisor wrote down how.
    case exited(AttemptHandle, AttemptResult)
    /// The supervisor is gone without a result (machine restart, SIGKILL): a system error.
    case lost(AttemptHandle, reason: String)
    /// The latest line the task appended to `$SLUICE_PROGRESS`.
    case progress(AttemptHandle, ProgressUpdate)

    /// The attempt this observation is about.
    public var handle: AttemptHandle {
        switch self {
        case .started(let handle, _, _), .exited(let handle, _), .lost(let handle, _), .progress(let handle, _):
            return handle
        }
    }
}

/// How an attempt's task ended, as its supervisor recorded it in `result.json`.
public struct AttemptResult: Sendable, Hashable {
    /// The exit status when the task exited by itself; nil when a signal ended it.
    public var exitCode: Int32?
    /// The signal that ended the task, if one did.
    public var signal: Int32?
    /// Whether the runner had asked for the attempt to stop (cancel or timeout) before it ended.
    public var killedByUs: Bool
    /// Whether the kernel's OOM killer killed a process of the attempt (needs a memory cgroup).
    public var oomKilled: Bool
    public var maxRSSBytes: Int64
    /// User plus system CPU time of the task and everything it started.
    public var cpuMillis: Int64
    public var startedAt: Date
    public var finishedAt: Date
    /// The contents of `outputs.json`, or nil when the task wrote none.
    public var outputsJSON: String?
    /// Why `outputs.json` could not be taken (too large, unreadable); a missing file is not an error.
    public var outputsError: String?

    public init(
        exitCode: Int32?, signal: Int32?, killedByUs: Bool, oomKilled: Bool, maxRSSBytes: Int64, cpuMillis: Int64,
        startedAt: Date, finishedAt: Date, outputsJSON: String?, outputsError: String?
    ) {
        self.exitCode = exitCode
        self.signal = signal
        self.killedByUs = killedByUs
        self.oomKilled = oomKilled
        self.maxRSSBytes = maxRSSBytes
        self.cpuMillis = cpuMillis
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outputsJSON = outputsJSON
        self.outputsError = outputsError
    }

    /// What the ending means for retries, in the order a controller should ask.
    public var outcome: AttemptOutcome {
        if killedByUs { return .cancelled }
        if oomKilled { return .outOfMemory }
        if let signal { return .killedBySignal(signal) }
        if let exitCode, exitCode != 0 { return .failed(exitCode: exitCode) }
        if let outputsError { return .badOutputs(outputsError) }
        return .succeeded
    }
}

/// The meaning of an attempt's end: user errors, our own stop, and system errors apart.
public enum AttemptOutcome: Sendable, Hashable {
    case succeeded
    /// The task exited non-zero: a user error.
    case failed(exitCode: Int32)
    /// The task exceeded its memory limit: a user error.
    case outOfMemory
    /// We cancelled it (cancel or timeout).
    case cancelled
    /// A signal we did not send ended it: a system error.
    case killedBySignal(Int32)
    /// The task succeeded but its outputs could not be taken: a user error.
    case badOutputs(String)
}

/// One parsed line of `progress.jsonl`: `{"progress": 0.4, "message": "...", "metrics": {"loss": 0.2}}`.
public struct ProgressUpdate: Sendable, Hashable {
    /// Fraction done, 0...1, when the task says.
    public var progress: Double?
    public var message: String?
    public var metrics: [String: Double]

    public init(progress: Double? = nil, message: String? = nil, metrics: [String: Double] = [:]) {
        self.progress = progress
        self.message = message
        self.metrics = metrics
    }
}
