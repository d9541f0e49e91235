import SluiceModel

/// Why a run or node failed, and whose fault it was.
public struct Failure: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The task's own doing: non-zero exit, bad outputs, its time limit.
        case user
        /// The attempt was lost: killed by a signal not ours, restart, eviction.
        case system
        case timeout
        /// Flow logic: a branch's `fail:`, a rejected approval, a map below its minimum.
        case flow
        case aborted
    }

    public var kind: Kind
    public var message: String
    /// The node where it happened (qualified id), if any.
    public var node: String?

    /// Retrying cannot help (an invalid image name, a pod the kubelet refuses): fail without spending retries.
    public var permanent: Bool?

    public init(_ kind: Kind, _ message: String, node: String? = nil, permanent: Bool? = nil) {
        self.permanent = permanent
        self.kind = kind
        self.message = message
        self.node = node
    }
}

/// Who stopped a run and why.
public struct AbortRequest: Sendable, Hashable, Codable {
    public var by: String
    public var reason: String
    public var at: Timestamp
}

/// A signal value that arrived for a run (maybe before its gate was reached).
public struct SignalDelivery: Sendable, Hashable, Codable {
    public var id: String
    public var value: LiteralValue
    public var by: String
    public var comment: String?
    public var at: Timestamp
    /// The gate node that took it, once one did.
    public var consumedBy: String?
}

/// A scope of nodes: the main workflow, a subworkflow instance, or a dynamic node's generated graph.
public struct ScopeRecord: Sendable, Hashable, Codable {
    public enum Source: Sendable, Hashable, Codable {
        case main
        case subworkflow(String)
        /// The compiled graph lives in the dynamic node's state.
        case dynamic(node: String)
    }

    /// Node ids in this scope are `prefix + localID`; "" for the main workflow, "sub/" for node `sub`.
    public var prefix: String
    public var source: Source
    public var inputs: [String: LiteralValue]
    /// The first failure in this scope, as it happened; a reloaded engine takes it from here, since which node
    /// failed first cannot be read back from the nodes (several fail, or are stopped, in one step).
    public var failure: Failure?
}

/// A list of completed tasks being undone, newest first, each once.
public struct RevertJob: Sendable, Hashable, Codable {
    public var queue: [String]
    public var index: Int = 0
    public var failure: Failure?
}

/// The highest attempt number a node used of each purpose, in tries of its scope that are gone.
public struct UsedAttempts: Sendable, Hashable, Codable {
    public var run = 0
    public var revert = 0

    public init(run: Int = 0, revert: Int = 0) {
        self.run = run
        self.revert = revert
    }

    /// The highest number used for `purpose`.
    public subscript(purpose: AttemptPurpose) -> Int {
        get { purpose == .run ? run : revert }
        set { if purpose == .run { run = newValue } else { revert = newValue } }
    }
}

/// Run-wide state (everything but the nodes, which are stored one row each).
public struct RunHeader: Sendable, Hashable, Codable {
    public var id: String
    public var flow: String
    public var phase: RunPhase
    public var inputs: [String: LiteralValue]
    public var createdAt: Timestamp
    public var startedAt: Timestamp?
    public var finishedAt: Timestamp?
    public var outputs: [String: LiteralValue]?
    public var failure: Failure?
    public var abort: AbortRequest?
    public var signals: [String: SignalDelivery] = [:]
    public var scopes: [String: ScopeRecord] = [:]
    /// Revert jobs by owner: "" for the run, a subworkflow node's id for a subflow retry.
    public var reverts: [String: RevertJob] = [:]
    /// Whether the failure node has been started (it runs once).
    public var failureNodeStarted = false
    /// Per node id, the highest attempt numbers used by node states a subflow retry cleared, so attempt numbers
    /// (and the attempt names built from them) keep counting across tries instead of starting again at 1.
    /// Optional so headers stored before it existed still decode.
    public var attemptsUsed: [String: UsedAttempts]?

    public init(id: String, flow: String, inputs: [String: LiteralValue], createdAt: Timestamp) {
        self.id = id
        self.flow = flow
        self.phase = .queued
        self.inputs = inputs
        self.createdAt = createdAt
    }
}

/// The whole state of one run: the header plus every node that has been touched.
public struct RunState: Sendable, Hashable, Codable {
    public var header: RunHeader
    /// Node states by qualified id (`fit`, `fit[2]`, `sub/train`, `check/case-0`); absent means pending.
    public var nodes: [String: NodeState]
    /// Counts successes, so revert can undo them newest first. Kept out of the header (it changes on
    /// almost every step; the header then changes only when something run-wide does) and rebuilt on
    /// load from the nodes' `completion`.
    public var completions: Int
    /// Steps taken since this state was loaded; lets an engine tell its own last state from another.
    public var steps: Int = 0

    public init(header: RunHeader, nodes: [String: NodeState] = [:]) {
        self.header = header
        self.nodes = nodes
        self.completions = nodes.values.compactMap(\.completion).max() ?? 0
    }

    /// A new run of `flow` with typed inputs (defaults already applied).
    public static func new(id: String, flow: CompiledFlow, inputs: [String: LiteralValue], at: Timestamp) -> RunState {
        RunState(header: RunHeader(id: id, flow: flow.workflow.name, inputs: inputs, createdAt: at))
    }
}
