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
    /// `ok` or `unavailable`.
    public var store: String
    /// `running` or `stopped`.
    public var scheduler: String

    public init(storeAnswers: Bool, schedulerRuns: Bool) {
        status = storeAnswers && schedulerRuns ? "ready" : "not-ready"
        store = storeAnswers ? "ok" : "unavailable"
        scheduler = schedulerRuns ? "running" : "stopped"
    }

    public var isReady: Bool { status == "ready" }
}
