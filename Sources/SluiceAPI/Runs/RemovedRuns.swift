/// A run `DELETE /api/v1/runs/{id}` or `POST /api/v1/prune` removed (`RemovedRun` in the OpenAPI document).
public struct RemovedRunRow: Codable, Sendable, Equatable {
    public var id: String
    public var flow: String
    public var state: String
    public var finished: String?
    /// Bytes of its attempt folders and logs.
    public var bytes: Int64

    public init(id: String, flow: String, state: String, finished: String?, bytes: Int64) {
        self.id = id
        self.flow = flow
        self.state = state
        self.finished = finished
        self.bytes = bytes
    }
}

/// The body of `POST /api/v1/prune` (`PruneRequest`): finished runs older than `older_than` (a duration
/// such as `30d`), in `states` (default: every finished state); `dry_run` only reports.
public struct PruneRequest: Codable, Sendable, Equatable {
    public var older_than: String
    public var states: [String]?
    public var dry_run: Bool?

    public init(older_than: String, states: [String]? = nil, dry_run: Bool? = nil) {
        self.older_than = older_than
        self.states = states
        self.dry_run = dry_run
    }
}

/// The reply of `POST /api/v1/prune` (`PruneResult`): what was (or, in a dry run, would be) removed.
public struct PruneResult: Codable, Sendable, Equatable {
    public var runs: [RemovedRunRow]
    /// Folders and driver logs of runs that no longer exist.
    public var leftovers: [String]
    public var bytes_freed: Int64
    public var dry_run: Bool

    public init(runs: [RemovedRunRow], leftovers: [String], bytes_freed: Int64, dry_run: Bool) {
        self.runs = runs
        self.leftovers = leftovers
        self.bytes_freed = bytes_freed
        self.dry_run = dry_run
    }
}
