/// What happens to the rest of a run when a node fails.
public enum FailurePolicyKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Cancel running nodes and stop.
    case failFast = "fail-fast"
    /// Let running nodes finish; start nothing new.
    case finishRunning = "finish-running"
    /// Undo completed tasks in reverse completion order with their `revert` commands.
    case revert
}

/// The failure policy and the optional node that runs last with the error as input.
public struct FailurePolicy: Sendable, Hashable, Codable {
    public var policy: FailurePolicyKind
    public var node: Node?

    public init(policy: FailurePolicyKind = .failFast, node: Node? = nil) {
        self.policy = policy
        self.node = node
    }
}

/// A workflow output bound to a reference.
public struct OutputBinding: Sendable, Hashable, Codable {
    public var name: String
    public var binding: Binding

    public init(name: String, binding: Binding) {
        self.name = name
        self.binding = binding
    }
}

/// A named step of the user's view; its nodes start after every node of the step before.
public struct Step: Sendable, Hashable, Codable {
    public var name: String
    public var nodes: [String]

    public init(name: String, nodes: [String]) {
        self.name = name
        self.nodes = nodes
    }
}

/// A graph of nodes with a typed interface.
public struct WorkflowTemplate: Sendable, Hashable, Codable {
    public var id: Identifier
    public var description: String?
    /// Inputs with defaults; outputs typed by the compiler from their bindings.
    public var interface: Interface
    public var outputs: [OutputBinding]
    public var nodes: [Node]
    /// Present when the file used `steps:`; nodes carry the same step names.
    public var steps: [Step]
    public var onFailure: FailurePolicy

    public init(id: Identifier, description: String? = nil, interface: Interface = Interface(),
                outputs: [OutputBinding] = [], nodes: [Node] = [], steps: [Step] = [],
                onFailure: FailurePolicy = FailurePolicy()) {
        self.id = id
        self.description = description
        self.interface = interface
        self.outputs = outputs
        self.nodes = nodes
        self.steps = steps
        self.onFailure = onFailure
    }

    enum CodingKeys: String, CodingKey { case id, description, interface, outputs, nodes, steps, onFailure = "on_failure" }
}

/// A whole flow file: the main workflow, its tasks, subworkflows and apps.
public struct FlowDocument: Sendable, Hashable, Codable {
    public var workflow: WorkflowTemplate
    public var tasks: [String: TaskTemplate]
    public var workflows: [String: WorkflowTemplate]
    public var apps: [AppSpec]

    public init(workflow: WorkflowTemplate, tasks: [String: TaskTemplate] = [:],
                workflows: [String: WorkflowTemplate] = [:], apps: [AppSpec] = []) {
        self.workflow = workflow
        self.tasks = tasks
        self.workflows = workflows
        self.apps = apps
    }
}
