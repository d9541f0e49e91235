/// One row of `GET /api/v1/runs` (`RunRow` in docs/api/openapi.yaml).
public struct RunRow: Codable, Sendable, Equatable {
    public var id: String
    public var flow: String
    public var flow_version: String?
    public var state: String
    public var labels: [String: String]
    public var created: String
    public var started: String?
    public var finished: String?
    public var error: String?
    /// The run this one retries.
    public var parent_run_id: String?

    public init(id: String, flow: String, flow_version: String? = nil, state: String, labels: [String: String] = [:], created: String,
                started: String? = nil, finished: String? = nil, error: String? = nil, parent_run_id: String? = nil) {
        self.id = id
        self.flow = flow
        self.flow_version = flow_version
        self.state = state
        self.labels = labels
        self.created = created
        self.started = started
        self.finished = finished
        self.error = error
        self.parent_run_id = parent_run_id
    }
}

/// A page of runs, newest first (`RunPage`).
public struct RunPage: Codable, Sendable, Equatable {
    public var runs: [RunRow]
    /// Pass as `cursor` for the next page; absent on the last page.
    public var next_cursor: String?

    public init(runs: [RunRow], next_cursor: String? = nil) {
        self.runs = runs
        self.next_cursor = next_cursor
    }
}
