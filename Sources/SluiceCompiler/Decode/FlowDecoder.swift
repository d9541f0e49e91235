import SluiceModel

/// Where each node of one workflow stands in the file, keyed by qualified id (`check/case-0`).
final class NodeScope {
    private(set) var paths: [String: String] = [:]
    /// Qualified ids of nodes that were reported and left out; others naming them are not reported again.
    private(set) var failed: Set<String> = []
    let prefix: String
    private let parent: NodeScope?

    init(prefix: String = "", parent: NodeScope? = nil) {
        self.prefix = prefix
        self.parent = parent
    }

    func record(id: String, path: String) {
        root.paths[qualified(id)] = path
    }

    func recordFailure(id: String) {
        root.failed.insert(qualified(id))
    }

    private func qualified(_ id: String) -> String { prefix.isEmpty ? id : "\(prefix)/\(id)" }

    private var root: NodeScope { parent?.root ?? self }

    /// A scope for the nodes nested inside `id` (branch cases).
    func child(of id: String) -> NodeScope {
        NodeScope(prefix: prefix.isEmpty ? id : "\(prefix)/\(id)", parent: self)
    }
}

/// A decoded workflow plus where its parts stand in the file.
struct WorkflowSource {
    var template: WorkflowTemplate
    /// The path of the workflow's mapping (`""` for the main one, `workflows.NAME` for others).
    var path: String
    /// Paths of nested nodes by qualified id (`check/case-0`).
    var nodePaths: [String: String]
    /// Paths of `template.nodes`, index for index.
    var topLevelPaths: [String]
    /// Ids of top-level nodes that failed to decode (already reported).
    var failedNodeIDs: Set<String>
    var failureNodePath: String?
    var outputPaths: [String: String]
}

/// Turns the positioned source tree into model values, reporting every mistake it meets.
final class FlowDecoder {
    let sink: DiagnosticSink
    /// Whether the file is JSON, where every string is quoted and quoting cannot mark text.
    let isJSON: Bool
    /// Names reported and left out, so the checker does not report them again.
    var dropped = DroppedNames()
    /// In JSON, the node ids written in the workflow being read: `"X.Y"` is a reference only when X is one of them.
    var jsonNodeIDs: Set<String> = []
    /// Every `deploy: NAME` node: the app named and the path of its `deploy` key.
    var deploySteps: [(app: String, path: String)] = []
    /// Every app a task `uses:`: the app named and the path of its list item.
    var appUses: [(app: String, path: String)] = []

    init(sink: DiagnosticSink, isJSON: Bool = false) {
        self.sink = sink
        self.isJSON = isJSON
    }

    static let documentKeys = ["name", "version", "description", "inputs", "outputs", "tasks", "nodes", "steps", "on_failure", "workflows", "apps"]
    static let workflowKeys = ["description", "inputs", "outputs", "nodes", "steps", "on_failure"]

    /// The whole file: main workflow, tasks, subworkflows, apps.
    func document(_ root: SourceNode) -> (FlowDocument, main: WorkflowSource, subs: [String: WorkflowSource])? {
        guard let f = fields(root, "", known: Self.documentKeys, what: "a flow file") else { return nil }
        guard let name = string(f, "name", required: "the flow's name, e.g. name: hello") else { return nil }
        checkDNSLabel(name, at: f["name"]!.location, "name", what: "flow name")
        var tasks: [String: TaskTemplate] = [:]
        if let t = f["tasks"], let tf = fields(t, "tasks", known: [], what: "task definitions (name: {...})") {
            for taskName in tf.order {
                checkTaskName(taskName, tf)
                if let task = task(taskName, tf[taskName]!, tf.path(taskName)) { tasks[taskName] = task }
            }
        }
        var subs: [String: WorkflowSource] = [:]
        if let w = f["workflows"], let wf = fields(w, "workflows", known: [], what: "subworkflows (name: {...})") {
            for subName in wf.order {
                checkDNSLabel(subName, at: wf.entries[subName]!.key.location, wf.path(subName), what: "workflow name")
                if subName == name {
                    sink.report(.duplicateID, at: wf.entries[subName]!.key.location, path: wf.path(subName),
                                "subworkflow '\(subName)' has the same name as the flow itself")
                }
                guard let sf = fields(wf[subName]!, wf.path(subName), known: Self.workflowKeys, what: "a subworkflow") else { continue }
                subs[subName] = workflow(Identifier(name: subName), sf)
            }
        }
        let version = string(f, "version")
        let main = workflow(Identifier(name: name, version: version), f)
        let appList = f["apps"].map { self.apps($0, "apps") } ?? []
        let doc = FlowDocument(workflow: main.template, tasks: tasks, workflows: subs.mapValues(\.template), apps: appList)
        return (doc, main, subs)
    }

    private func checkTaskName(_ name: String, _ tf: Fields) {
        let ok = !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        if !ok {
            sink.report(.invalidName, at: tf.entries[name]!.key.location, path: tf.path(name),
                        "invalid task name '\(name)': use letters, digits, '-' and '_'")
        }
    }

    /// The workflow keys shared by the main flow and subworkflows.
    func workflow(_ id: Identifier, _ f: Fields) -> WorkflowSource {
        var w = WorkflowTemplate(id: id, description: string(f, "description"))
        let scope = NodeScope()
        if isJSON { jsonNodeIDs = Self.writtenNodeIDs(f) }
        w.interface.inputs = f["inputs"].map { parameters($0, f.path("inputs"), what: "workflow inputs (name: type)") } ?? []
        var outputPaths: [String: String] = [:]
        if let o = f["outputs"], let of = fields(o, f.path("outputs"), known: [], what: "workflow outputs (name: NODE.OUTPUT)") {
            for name in of.order {
                checkVariableName(name, at: of.entries[name]!.key.location, of.path(name), what: "output name")
                outputPaths[name] = of.path(name)
                if let b = workflowOutput(of[name]!, of.path(name), name: name) {
                    w.outputs.append(OutputBinding(name: name, binding: b))
                }
            }
        }
        var placed: [(Node, String)] = []
        switch (f["nodes"], f["steps"]) {
        case (.some, .some):
            sink.report(.invalidValue, path: f.path("steps"), "give either 'nodes' or 'steps', not both")
        case (.some(let n), nil):
            placed = nodeList(n, f.path("nodes"), scope: scope)
        case (nil, .some(let s)):
            (placed, w.steps) = steps(s, f.path("steps"), scope: scope)
        case (nil, nil):
            missing(f, "nodes", "the graph: a list of nodes, or 'steps'")
        }
        w.nodes = placed.map(\.0)
        if let of = f["on_failure"] { w.onFailure = failurePolicy(of, f.path("on_failure"), scope: scope) }
        return WorkflowSource(template: w, path: f.path, nodePaths: scope.paths, topLevelPaths: placed.map(\.1),
                              failedNodeIDs: scope.failed.filter { !$0.contains("/") },
                              failureNodePath: w.onFailure.node == nil ? nil : FlowDecoder.join(f.path("on_failure"), "node"),
                              outputPaths: outputPaths)
    }

    /// The `id`s written on the workflow's top-level nodes, read ahead of decoding so bindings may point forward.
    private static func writtenNodeIDs(_ f: Fields) -> Set<String> {
        func ids(_ list: SourceNode?) -> [String] {
            guard case .sequence(let items, _)? = list else { return [] }
            return items.flatMap { item -> [String] in
                guard case .mapping(let pairs, _) = item else { return [] }
                if let nested = pairs.first(where: { $0.key.text == "nodes" }) { return ids(nested.value) }
                return pairs.first(where: { $0.key.text == "id" })?.value.scalar.map { [$0.text] } ?? []
            }
        }
        return Set(ids(f["nodes"]) + ids(f["steps"]))
    }

    /// `name: NODE.OUTPUT` or `name: {from: NODE.OUTPUT, description}`; a missing `from` is an unbound output.
    private func workflowOutput(_ node: SourceNode, _ path: String, name: String) -> Binding? {
        var value = node
        var p = path
        if case .mapping = node {
            guard let of = fields(node, path, known: ["from", "description"], what: "an output") else { return nil }
            guard let from = of["from"] else {
                sink.report(.unboundOutput, at: of.location, path: path, "output '\(name)' is not bound: add from: NODE.OUTPUT")
                return nil
            }
            value = from
            p = of.path("from")
        }
        if value.isNull {
            sink.report(.unboundOutput, at: node.location, path: path, "output '\(name)' is not bound: expected NODE.OUTPUT, e.g. \(name): train.\(name)")
            return nil
        }
        return binding(value, p)
    }

    func nodeList(_ node: SourceNode, _ path: String, scope: NodeScope) -> [(Node, String)] {
        guard case .sequence(let items, _) = node else {
            wrongShape(node, path, expected: "a list of nodes")
            return []
        }
        return items.enumerated().compactMap { i, item in
            let p = Self.index(path, i)
            return self.node(item, p, scope: scope).map { ($0, p) }
        }
    }

    /// `steps:` — each step is `{name, nodes: [...]}` or one node's keys inline with a `name`.
    private func steps(_ node: SourceNode, _ path: String, scope: NodeScope) -> ([(Node, String)], [Step]) {
        guard case .sequence(let items, _) = node else {
            wrongShape(node, path, expected: "a list of steps")
            return ([], [])
        }
        var nodes: [(Node, String)] = []
        var steps: [Step] = []
        for (i, item) in items.enumerated() {
            let p = Self.index(path, i)
            var stepNodes: [(Node, String)]
            var name: String?
            if case .mapping(let pairs, _) = item, pairs.contains(where: { $0.key.text == "nodes" }) {
                guard let f = fields(item, p, known: ["name", "nodes"], what: "a step") else { continue }
                name = string(f, "name")
                stepNodes = nodeList(f["nodes"]!, f.path("nodes"), scope: scope)
            } else {
                if case .mapping(let pairs, _) = item, let n = pairs.first(where: { $0.key.text == "name" }) {
                    name = text(n.value, Self.join(p, "name"))
                }
                stepNodes = self.node(item, p, scope: scope, extraKeys: ["name"]).map { [($0, p)] } ?? []
            }
            let stepName = name ?? "step \(i + 1)"
            for j in stepNodes.indices { stepNodes[j].0.step = stepName }
            steps.append(Step(name: stepName, nodes: stepNodes.map(\.0.id)))
            nodes += stepNodes
        }
        return (nodes, steps)
    }

    private func failurePolicy(_ node: SourceNode, _ path: String, scope: NodeScope) -> FailurePolicy {
        guard let f = fields(node, path, known: ["policy", "node"], what: "a failure policy") else { return FailurePolicy() }
        var policy = FailurePolicy()
        if let p = string(f, "policy") {
            if let kind = FailurePolicyKind(rawValue: p) {
                policy.policy = kind
            } else {
                let all = FailurePolicyKind.allCases.map(\.rawValue)
                sink.report(.invalidValue, path: f.path("policy"), "unknown failure policy '\(p)'\(Suggest.hint(p, all)); expected one of \(all.joined(separator: ", "))")
            }
        }
        if let n = f["node"] { policy.node = self.node(n, f.path("node"), scope: scope, defaultID: "on-failure") }
        return policy
    }
}
