import SluiceModel

/// The run as the CLI and the API show it: steps, their nodes, nested children (map items, branch cases, subflow nodes)
/// and attempts. Encodes to the JSON of `status -o json`.
public struct RunView: Codable, Sendable {
    public struct Attempt: Codable, Sendable {
        public var number: Int
        public var purpose: String
        public var state: String
        public var started: String?
        public var finished: String?
        public var exit_code: Int32?
        public var signal: Int32?
        public var error: String?
        public var max_rss_bytes: Int64?
        public var cpu_ms: Int64?

        public init(
            number: Int, purpose: String, state: String, started: String? = nil, finished: String? = nil,
            exit_code: Int32? = nil, signal: Int32? = nil, error: String? = nil, max_rss_bytes: Int64? = nil,
            cpu_ms: Int64? = nil
        ) {
            self.number = number
            self.purpose = purpose
            self.state = state
            self.started = started
            self.finished = finished
            self.exit_code = exit_code
            self.signal = signal
            self.error = error
            self.max_rss_bytes = max_rss_bytes
            self.cpu_ms = cpu_ms
        }
    }

    public struct Gate: Codable, Sendable {
        public var approved: Bool?
        public var by: String?
        public var comment: String?
        public var at: String?
        public var value: LiteralValue?
        /// While the gate waits: `approval` or `signal`.
        public var waits_for: String?
        /// The signal id a waiting signal gate takes (`sluice signal RUN SIGNAL VALUE`).
        public var signal: String?
        /// The declared type of that signal's value.
        public var type: String?

        /// The waiting part of a gate that waits now.
        public init(waiting g: PendingGate) {
            self.init(waits_for: g.waitsFor, signal: g.signal, type: g.type)
        }

        public init(
            approved: Bool? = nil, by: String? = nil, comment: String? = nil, at: String? = nil,
            value: LiteralValue? = nil, waits_for: String? = nil, signal: String? = nil, type: String? = nil
        ) {
            self.approved = approved
            self.by = by
            self.comment = comment
            self.at = at
            self.value = value
            self.waits_for = waits_for
            self.signal = signal
            self.type = type
        }
    }

    public struct NodeView: Codable, Sendable {
        public var id: String
        public var kind: String
        public var state: String
        public var step: String?
        public var started: String?
        public var finished: String?
        public var duration_ms: Int64?
        public var outputs: [String: LiteralValue]?
        public var error: String?
        public var note: String?
        public var progress: Double?
        public var message: String?
        public var metrics: [String: Double]?
        public var gate: Gate?
        public var cache_hit_from: String?
        public var attempts: [Attempt]
        public var children: [NodeView]

        public init(
            id: String, kind: String, state: String, step: String? = nil, started: String? = nil,
            finished: String? = nil, duration_ms: Int64? = nil, outputs: [String: LiteralValue]? = nil,
            error: String? = nil, note: String? = nil, progress: Double? = nil, message: String? = nil,
            metrics: [String: Double]? = nil, gate: Gate? = nil, cache_hit_from: String? = nil,
            attempts: [Attempt], children: [NodeView]
        ) {
            self.id = id
            self.kind = kind
            self.state = state
            self.step = step
            self.started = started
            self.finished = finished
            self.duration_ms = duration_ms
            self.outputs = outputs
            self.error = error
            self.note = note
            self.progress = progress
            self.message = message
            self.metrics = metrics
            self.gate = gate
            self.cache_hit_from = cache_hit_from
            self.attempts = attempts
            self.children = children
        }
    }

    public struct StepView: Codable, Sendable {
        public var name: String
        public var state: String
        public var nodes: [NodeView]

        public init(name: String, state: String, nodes: [NodeView]) {
            self.name = name
            self.state = state
            self.nodes = nodes
        }
    }

    public var run: String
    public var id: String
    public var flow: String
    public var state: String
    public var created: String
    public var started: String?
    public var finished: String?
    public var duration_ms: Int64?
    public var inputs: [String: LiteralValue]
    public var outputs: [String: LiteralValue]?
    public var error: String?
    public var aborted_by: String?
    /// The labels the run was submitted with (`--label KEY=VALUE`).
    public var labels: [String: String]?
    public var steps: [StepView]
    public var nodes: [NodeView]

    public init(
        run: String, id: String, flow: String, state: String, created: String, started: String? = nil,
        finished: String? = nil, duration_ms: Int64? = nil, inputs: [String: LiteralValue],
        outputs: [String: LiteralValue]? = nil, error: String? = nil, aborted_by: String? = nil,
        labels: [String: String]? = nil, steps: [StepView], nodes: [NodeView]
    ) {
        self.labels = labels
        self.run = run
        self.id = id
        self.flow = flow
        self.state = state
        self.created = created
        self.started = started
        self.finished = finished
        self.duration_ms = duration_ms
        self.inputs = inputs
        self.outputs = outputs
        self.error = error
        self.aborted_by = aborted_by
        self.steps = steps
        self.nodes = nodes
    }
}
