/// A gate holds a node until time passes, a person approves, or a signal arrives.
public enum GateSpec: Sendable, Hashable, Codable {
    case sleep(DurationValue)
    /// Approve (or reject) a value; the approved value becomes the gate's `value` output.
    case approve(value: Binding?, message: String?)
    /// Wait for a typed signal with this id; the signal's value becomes the gate's `value` output.
    case signal(id: String, type: LiteralType)
}

/// One `when:` case of a branch and the node it runs.
public struct BranchCase: Sendable, Hashable, Codable {
    public var when: Condition
    public var then: Node

    public init(when: Condition, then: Node) {
        self.when = when
        self.then = then
    }
}

/// What a branch does when no case matched.
public enum ElseBranch: Sendable, Hashable, Codable {
    case node(Node)
    case fail(String)
}

/// if / elif / else over typed conditions; untaken branches are skipped.
public struct BranchSpec: Sendable, Hashable, Codable {
    public var cases: [BranchCase]
    public var otherwise: ElseBranch?

    public init(cases: [BranchCase], otherwise: ElseBranch? = nil) {
        self.cases = cases
        self.otherwise = otherwise
    }

    enum CodingKeys: String, CodingKey { case cases, otherwise = "else" }
}

/// Runs a task once per item of a list, with bounded parallelism and a success threshold.
public struct MapSpec: Sendable, Hashable, Codable {
    public var over: Binding
    /// The name each item is bound to inside the map (`site`).
    public var itemName: String
    public var task: String
    public var inputs: [InputBinding]
    public var parallelism: Int?
    public var minSuccesses: Int?
    public var minSuccessRatio: Double?

    public init(over: Binding, itemName: String, task: String, inputs: [InputBinding], parallelism: Int? = nil,
                minSuccesses: Int? = nil, minSuccessRatio: Double? = nil) {
        self.over = over
        self.itemName = itemName
        self.task = task
        self.inputs = inputs
        self.parallelism = parallelism
        self.minSuccesses = minSuccesses
        self.minSuccessRatio = minSuccessRatio
    }

    /// Whether failed items may leave `null` holes in the outputs.
    public var allowsFailures: Bool {
        (minSuccessRatio.map { $0 < 1 } ?? false) || minSuccesses != nil
    }

    enum CodingKeys: String, CodingKey {
        case over, itemName = "as", task, inputs, parallelism
        case minSuccesses = "min_successes", minSuccessRatio = "min_success_ratio"
    }
}

/// The kind of work a node does.
public indirect enum NodeKind: Sendable, Hashable, Codable {
    case task(String)
    case workflow(String)
    case branch(BranchSpec)
    case gate(GateSpec)
    case map(MapSpec)
    /// A task whose `flow` output (JSON of a flow) is compiled and run as a child graph with these outputs.
    case dynamic(task: String, outputs: [Variable])

    /// Which kind this is, without its settings.
    public var name: NodeKindName {
        switch self {
        case .task: .task
        case .workflow: .workflow
        case .branch: .branch
        case .gate: .gate
        case .map: .map
        case .dynamic: .dynamic
        }
    }

    /// The word used in messages and the UI.
    public var word: String { name.rawValue }
}

/// The kinds of node, by the word the flow file, the UI and stored node states use for them.
public enum NodeKindName: String, Sendable, Hashable, Codable, CaseIterable {
    case task, workflow, branch, gate, map, dynamic
}
