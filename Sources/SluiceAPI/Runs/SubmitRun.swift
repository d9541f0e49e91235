import SluiceModel

/// The body of `POST /api/v1/runs` (`SubmitRun`): exactly one of `flow` (text) and `flow_name` (a registered flow).
public struct SubmitRun: Codable, Sendable {
    /// The flow file, YAML or JSON.
    public var flow: String?
    public var flow_name: String?
    /// With `flow_name`; default the latest version.
    public var flow_version: String?
    public var inputs: [String: LiteralValue]?
    public var run_id: String?
    public var labels: [String: String]?

    public init(flow: String? = nil, flow_name: String? = nil, flow_version: String? = nil, inputs: [String: LiteralValue]? = nil,
                run_id: String? = nil, labels: [String: String]? = nil) {
        self.flow = flow
        self.flow_name = flow_name
        self.flow_version = flow_version
        self.inputs = inputs
        self.run_id = run_id
        self.labels = labels
    }
}

/// The answer to a submission (`Submitted`); `sluice submit -o json` prints the same shape.
public struct Submitted: Codable, Sendable, Equatable {
    public var run: String
    public var state: String
    /// The compiler's warnings about the flow (`FILE:LINE:COL: PATH: message`), when it had any.
    public var warnings: [String]?

    public init(run: String, state: String, warnings: [String]? = nil) {
        self.run = run
        self.state = state
        self.warnings = warnings
    }
}

/// The answer to `POST /api/v1/runs/{id}/retry`: the new run, linked to the old one.
public struct Retried: Codable, Sendable, Equatable {
    public var run: String
    public var state: String
    public var retry_of: String
    /// Nodes whose outputs were reused.
    public var reused: [String]

    public init(run: String, state: String, retry_of: String, reused: [String]) {
        self.run = run
        self.state = state
        self.retry_of = retry_of
        self.reused = reused
    }
}
