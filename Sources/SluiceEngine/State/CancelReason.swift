/// Why the engine asked a backend to stop an attempt. Encodes as the one string earlier versions stored
/// (`timeout`, `queued-timeout`, `deadline`, `heartbeat`, `abort by NAME`, or a sentence), so old states decode.
public enum CancelReason: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The attempt ran past its runtime limit.
    case runtimeTimeout
    /// The attempt did not start within its queued limit.
    case queuedTimeout
    /// The node's deadline over all attempts passed.
    case deadline
    /// The task went silent past its heartbeat interval.
    case heartbeat
    /// A person aborted the run.
    case abort(by: String)
    /// The flow or the map around the attempt is winding down; the sentence says why.
    case stopping(String)

    /// Whether the attempt was stopped for a time limit (a timeout, not a stop).
    public var isTimeLimit: Bool {
        switch self {
        case .runtimeTimeout, .queuedTimeout, .deadline: true
        default: false
        }
    }

    /// Whether it ends the node instead of counting against its retries.
    public var isStop: Bool {
        switch self {
        case .abort, .stopping: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .runtimeTimeout: "timeout"
        case .queuedTimeout: "queued-timeout"
        case .deadline: "deadline"
        case .heartbeat: "heartbeat"
        case .abort(let by): "abort by \(by)"
        case .stopping(let why): why
        }
    }

    /// Reads the stored word or sentence back.
    public init(_ text: String) {
        switch text {
        case "timeout": self = .runtimeTimeout
        case "queued-timeout": self = .queuedTimeout
        case "deadline": self = .deadline
        case "heartbeat": self = .heartbeat
        case let t where t.hasPrefix("abort by "): self = .abort(by: String(t.dropFirst("abort by ".count)))
        default: self = .stopping(text)
        }
    }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
