/// What a running task posts to `$SLUICE_CALLBACK_URL`; every field optional, an empty body is a heartbeat.
public struct CallbackReport: Codable, Sendable, Equatable {
    /// From 0 to 1.
    public var progress: Double?
    public var message: String?
    public var metrics: [String: Double]?

    public init(progress: Double? = nil, message: String? = nil, metrics: [String: Double]? = nil) {
        self.progress = progress
        self.message = message
        self.metrics = metrics
    }

    /// No progress, message or metrics: the task only says it is alive.
    public var isHeartbeat: Bool { progress == nil && message == nil && (metrics ?? [:]).isEmpty }
}

/// The answer to a callback: `progress` or `heartbeat`.
public struct CallbackAccepted: Codable, Sendable, Equatable {
    public var accepted: String

    public init(accepted: String) { self.accepted = accepted }
}
