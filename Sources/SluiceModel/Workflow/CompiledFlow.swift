/// A node placed in the checked graph: its typed interface and its neighbours.
public struct CompiledNode: Sendable, Hashable, Codable {
    /// Qualified id: `train`, or `check/case-0` for a node inside a branch.
    public var id: String
    public var kind: String
    public var step: String?
    public var depth: Int
    public var upstream: [String]
    public var downstream: [String]
    /// The inputs the node's work receives, typed, with their bindings (defaults filled in).
    public var inputs: [TypedBinding]
    public var outputs: [Variable]
    /// The node as the file wrote it, with task/workflow defaults left to the engine.
    public var node: Node
    /// Nodes nested inside this one: branch cases and else, in order.
    public var children: [CompiledNode]

    enum CodingKeys: String, CodingKey { case id, kind, step, depth, upstream, downstream, inputs, outputs, children, node }

    public init(id: String, kind: String, step: String?, depth: Int, upstream: [String], downstream: [String],
                inputs: [TypedBinding], outputs: [Variable], node: Node, children: [CompiledNode]) {
        self.id = id
        self.kind = kind
        self.step = step
        self.depth = depth
        self.upstream = upstream
        self.downstream = downstream
        self.inputs = inputs
        self.outputs = outputs
        self.node = node
        self.children = children
    }
}

/// An input name, its declared type, and what it is bound to.
public struct TypedBinding: Sendable, Hashable, Codable {
    public var name: String
    public var type: LiteralType
    public var binding: Binding

    public init(name: String, type: LiteralType, binding: Binding) {
        self.name = name
        self.type = type
        self.binding = binding
    }
}

/// A workflow whose references are resolved, types checked and nodes ordered.
public struct CompiledWorkflow: Sendable, Hashable, Codable {
    public var name: String
    public var version: String?
    public var interface: Interface
    public var outputs: [OutputBinding]
    public var steps: [Step]
    public var onFailure: FailurePolicyKind
    public var failureNode: CompiledNode?
    /// Nodes in a topological order (every node after all of its upstream nodes; ties keep file order).
    public var nodes: [CompiledNode]

    enum CodingKeys: String, CodingKey { case name, version, interface, outputs, steps, onFailure = "on_failure", failureNode = "failure_node", nodes }

    public init(name: String, version: String?, interface: Interface, outputs: [OutputBinding], steps: [Step],
                onFailure: FailurePolicyKind, failureNode: CompiledNode?, nodes: [CompiledNode]) {
        self.name = name
        self.version = version
        self.interface = interface
        self.outputs = outputs
        self.steps = steps
        self.onFailure = onFailure
        self.failureNode = failureNode
        self.nodes = nodes
    }

    /// The node with this id (top level or nested), if any.
    public func node(_ id: String) -> CompiledNode? {
        func find(_ nodes: [CompiledNode]) -> CompiledNode? {
            for n in nodes {
                if n.id == id { return n }
                if let c = find(n.children) { return c }
            }
            return nil
        }
        return find(nodes)
    }
}

/// A whole compiled flow file.
public struct CompiledFlow: Sendable, Hashable, Codable {
    public var workflow: CompiledWorkflow
    /// Subworkflows by name, sorted.
    public var subworkflows: [CompiledWorkflow]
    /// Task templates sorted by name.
    public var tasks: [TaskTemplate]
    public var apps: [AppSpec]

    public init(workflow: CompiledWorkflow, subworkflows: [CompiledWorkflow], tasks: [TaskTemplate], apps: [AppSpec]) {
        self.workflow = workflow
        self.subworkflows = subworkflows
        self.tasks = tasks
        self.apps = apps
    }

    public func task(_ name: String) -> TaskTemplate? { tasks.first { $0.name == name } }
    public func subworkflow(_ name: String) -> CompiledWorkflow? { subworkflows.first { $0.name == name } }
}

