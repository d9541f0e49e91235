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

    public init(seq: Int64, run: String, time: String, kind: String, node: String? = nil, attempt: Int? = nil, message: String) {
        self.seq = seq
        self.run = run
        self.time = time
        self.kind = kind
        self.node = node
        self.attempt = attempt
        self.message = message
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
