import SluiceModel

/// Identifies one attempt of one node.
public struct AttemptRef: Sendable, Hashable, Codable, CustomStringConvertible {
    public var node: String
    public var attempt: Int
    public var purpose: AttemptPurpose

    public init(node: String, attempt: Int, purpose: AttemptPurpose = .run) {
        self.node = node
        self.attempt = attempt
        self.purpose = purpose
    }

    public var description: String { "\(node)#\(attempt)\(purpose == .revert ? " (revert)" : "")" }
}

/// How an attempt's process ended, as the backend saw it.
public struct AttemptExit: Sendable, Hashable, Codable {
    public var exitCode: Int32?
    public var signal: Int32?
    /// We asked for it to stop (cancel, timeout, abort).
    public var killedByUs: Bool
    public var oomKilled: Bool
    /// The JSON object the task wrote to `$SLUICE_OUTPUTS`, if it wrote one.
    public var outputsJSON: String?
    /// Why the outputs could not be read (too large, unreadable).
    public var outputsError: String?
    public var maxRSSBytes: Int64?
    public var cpuMillis: Int64?
    /// Extra detail for the history, e.g. the last lines of stderr.
    public var detail: String?
    /// When the backend saw the attempt start and end; the end may be long before the controller hears of it
    /// (it ended while no controller ran), and durations must not include that gap.
    public var startedAt: Timestamp?
    public var finishedAt: Timestamp?
    /// The backend's own diagnosis of a failure the task's setup caused, when there is no exit code to speak
    /// for it (an image that cannot be pulled, a pod config the kubelet refuses): a user failure with this text.
    public var userFailure: String?
    /// Whether retrying cannot help (an invalid image name): the node fails without spending its retries.
    public var permanent: Bool?

    public init(exitCode: Int32? = 0, signal: Int32? = nil, killedByUs: Bool = false, oomKilled: Bool = false,
                outputsJSON: String? = nil, outputsError: String? = nil, maxRSSBytes: Int64? = nil, cpuMillis: Int64? = nil,
                detail: String? = nil, startedAt: Timestamp? = nil, finishedAt: Timestamp? = nil,
                userFailure: String? = nil, permanent: Bool? = nil) {
        self.userFailure = userFailure
        self.permanent = permanent
        self.exitCode = exitCode
        self.signal = signal
        self.killedByUs = killedByUs
        self.oomKilled = oomKilled
        self.outputsJSON = outputsJSON
        self.outputsError = outputsError
        self.maxRSSBytes = maxRSSBytes
        self.cpuMillis = cpuMillis
        self.detail = detail
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// What a cache look-up found.
public enum CacheAnswer: Sendable, Hashable, Codable {
    /// Outputs stored by an earlier run (JSON object), and where they came from.
    case hit(outputsJSON: String, from: String)
    /// Not cached; `reserved` says whether this node may compute it (serialize: others wait).
    case miss(reserved: Bool)
}

/// Something that happened outside the engine, fed to `step`.
public enum Observation: Sendable, Hashable, Codable {
    /// The attempt runs; `at` is when the backend saw it start (nil: now).
    case attemptStarted(AttemptRef, at: Timestamp? = nil)
    case attemptExited(AttemptRef, AttemptExit)
    /// The attempt is gone without a result (supervisor or pod lost): a system error.
    case attemptLost(AttemptRef, reason: String)
    case progress(AttemptRef, Progress)
    /// The task said it is alive (a callback, or any progress line); resets its heartbeat timer.
    case heartbeat(AttemptRef)
    case signal(id: String, value: LiteralValue, by: String, comment: String?)
    case approval(node: String, approved: Bool, by: String, comment: String?)
    case abortRequested(by: String, reason: String)
    case cacheAnswer(node: String, key: String, CacheAnswer)
}
