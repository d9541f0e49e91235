/// `GET /healthz`: the process answers.
public struct Health: Codable, Sendable, Equatable {
    /// Always `ok`.
    public var status: String

    public init(status: String = "ok") { self.status = status }
}

/// `GET /readyz` (`Readiness`): whether the store answers and the scheduler loop runs.
public struct Readiness: Codable, Sendable, Equatable {
    /// `ready` or `not-ready`.
    public var status: String
    /// `ok`, `unavailable` (reads fail) or `read-only` (reads work, writes fail: disk full, read-only file).
    public var store: String
    /// `running` or `stopped`.
    public var scheduler: String
    /// Why writes fail, when they do.
    public var store_error: String?

    public init(storeAnswers: Bool, schedulerRuns: Bool, writeFailure: String? = nil) {
        let storeOK = storeAnswers && writeFailure == nil
        status = storeOK && schedulerRuns ? "ready" : "not-ready"
        store = !storeAnswers ? "unavailable" : writeFailure == nil ? "ok" : "read-only"
        scheduler = schedulerRuns ? "running" : "stopped"
        store_error = writeFailure
    }

    public var isReady: Bool { status == "ready" }
}
