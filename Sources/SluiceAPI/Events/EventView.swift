/// One run event as the API shows it (`Event`), and as `sluice events -o json` prints it.
public struct EventView: Codable, Sendable, Equatable {
    public var seq: Int64
    public var run: String
    /// ISO 8601 with milliseconds.
    public var time: String
    public var kind: String
    public var node: String?
    public var attempt: Int?
    public var message: String
    /// A `progress` event's report: what the node's progress bar, message and metrics now show.
    public var progress: ProgressReport?

    public init(seq: Int64, run: String, time: String, kind: String, node: String? = nil, attempt: Int? = nil, message: String,
                progress: ProgressReport? = nil) {
        self.seq = seq
        self.run = run
        self.time = time
        self.kind = kind
        self.node = node
        self.attempt = attempt
        self.message = message
        self.progress = progress
    }
}

/// What a task reported about its progress (`$SLUICE_PROGRESS` or its callback), as a `progress` event carries it.
public struct ProgressReport: Codable, Sendable, Equatable {
    /// From 0 to 1.
    public var fraction: Double?
    public var message: String?
    public var metrics: [String: Double]?

    public init(fraction: Double? = nil, message: String? = nil, metrics: [String: Double]? = nil) {
        self.fraction = fraction
        self.message = message
        self.metrics = metrics
    }
}

/// A page of `GET /api/v1/runs/{id}/events`.
public struct EventPage: Codable, Sendable, Equatable {
    public var events: [EventView]
    /// Pass as `after` for the next page.
    public var next_after: Int64

    public init(events: [EventView], next_after: Int64) {
        self.events = events
        self.next_after = next_after
    }
}
