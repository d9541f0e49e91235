import SluiceModel

/// What every workflow of one file is checked against.
struct CheckContext {
    var tasks: [String: TaskTemplate]
    /// The names under `workflows:`.
    var declaredWorkflows: Set<String>
    /// The flow's own name, which no workflow may call.
    var mainName: String
    var dropped: DroppedNames
}

/// Resolves, type-checks and orders one workflow of a flow file.
final class WorkflowChecker {
    enum OutputState { case pending, computing, done, failed }

    private let realSink: DiagnosticSink
    private let mutedSink = DiagnosticSink(root: nil, file: "")
    /// Where reports go; muted while outputs are typed ahead of the node's own check, so nothing is reported twice.
    var sink: DiagnosticSink
    let source: WorkflowSource
    let template: WorkflowTemplate
    let context: CheckContext
    var tasks: [String: TaskTemplate] { context.tasks }
    var declaredWorkflows: Set<String> { context.declaredWorkflows }
    var dropped: DroppedNames { context.dropped }
    let subworkflows: [String: CompiledWorkflow]
    var nodeIndex: [String: Int] = [:]
    var outputState: [OutputState]
    private var outputCache: [[Variable]]

    init(_ source: WorkflowSource, context: CheckContext, subworkflows: [String: CompiledWorkflow], sink: DiagnosticSink) {
        self.realSink = sink
        self.sink = sink
        self.source = source
        self.template = source.template
        self.context = context
        self.subworkflows = subworkflows
        self.outputState = Array(repeating: .pending, count: source.template.nodes.count)
        self.outputCache = Array(repeating: [], count: source.template.nodes.count)
    }

    func path(ofNode i: Int) -> String { source.topLevelPaths[i] }

    /// The checked workflow, or nil when it has errors (they are in the sink).
    func compile() -> CompiledWorkflow? {
        let before = realSink.diagnostics.count
        indexNodes()
        var checks: [NodeCheck] = []
        checks.reserveCapacity(template.nodes.count)
        for (i, n) in template.nodes.enumerated() { checks.append(checkNode(n, path(ofNode: i), scope: .plain)) }
        var upstream = checks.map { $0.deps }
        addExplicitEdges(&upstream)
        // A node whose id repeats an earlier one was reported; its edges would be guesses, since its id names the other.
        for (i, n) in template.nodes.enumerated() where nodeIndex[n.id] != i { upstream[i] = [] }
        let graph = Graph(upstream: upstream.map { Array($0).sorted() })
        guard let order = graph.topologicalOrder() else {
            reportCycles(graph)
            return nil
        }
        let outputs = typedOutputs()
        let failureNode = template.onFailure.node.map(checkFailureNode)
        checkSignals()
        checkUnreachable(graph)
        guard realSink.diagnostics.count == before else { return nil }
        let depths = graph.depths(order: order)
        let nodes = order.map { i in
            compiledNode(template.nodes[i], id: template.nodes[i].id, check: checks[i], depth: depths[i],
                         upstream: graph.upstream[i].sorted().map { template.nodes[$0].id },
                         downstream: graph.downstream[i].sorted().map { template.nodes[$0].id })
        }
        let interface = Interface(inputs: template.interface.inputs, outputs: outputs)
        return CompiledWorkflow(name: template.id.name, version: template.id.version, interface: interface,
                                outputs: template.outputs, steps: template.steps, onFailure: template.onFailure.policy,
                                failureNode: failureNode, nodes: nodes)
    }

    private func indexNodes() {
        for (i, n) in template.nodes.enumerated() {
            if let first = nodeIndex[n.id] {
                sink.report(.duplicateID, path: FlowDecoder.join(path(ofNode: i), "id"),
                            "duplicate node id '\(n.id)'; it is already used by \(path(ofNode: first)) (line \(sink.root?.locate(path(ofNode: first)).line ?? 0))")
            } else {
                nodeIndex[n.id] = i
            }
        }
        if let f = template.onFailure.node, let first = nodeIndex[f.id], let p = source.failureNodePath {
            sink.report(.duplicateID, path: p, "the on_failure node's id '\(f.id)' is already used by \(path(ofNode: first)); give it another id")
        }
    }

    /// `after:` edges and the edges implied by `steps:` (each step waits for the whole step before it).
    private func addExplicitEdges(_ upstream: inout [Set<Int>]) {
        for (i, n) in template.nodes.enumerated() {
            for (k, a) in n.after.enumerated() {
                let p = "\(FlowDecoder.join(path(ofNode: i), "after"))[\(k)]"
                if let j = nodeIndex[a] {
                    upstream[i].insert(j)
                } else if !source.failedNodeIDs.contains(a) {
                    sink.report(.unknownReference, path: p, "after: unknown node '\(a)'\(Suggest.hint(a, Array(nodeIndex.keys).sorted()))")
                }
            }
        }
        // The decoder lays out each step's nodes together, in step order; counting them keeps a repeated id in its own step.
        var previous: [Int] = []
        var start = 0
        for step in template.steps {
            let end = min(start + step.nodes.count, upstream.count)
            let members = Array(start..<end)
            start = end
            for m in members { upstream[m].formUnion(previous) }
            if !members.isEmpty { previous = members }
        }
    }

    private func reportCycles(_ graph: Graph) {
        for cycle in graph.cycles() {
            let names = (cycle + [cycle[0]]).map { template.nodes[$0].id }.joined(separator: " -> ")
            sink.report(.cycle, path: path(ofNode: cycle[0]),
                        "cycle: \(names); a node cannot depend on itself, directly or through others")
        }
    }

    /// The outputs of top-level node `i`, typed on first use (references may point forward in the file).
    func outputsOf(_ i: Int) -> [Variable] {
        switch outputState[i] {
        case .done: return outputCache[i]
        case .computing, .failed: return []
        case .pending: break
        }
        outputState[i] = .computing
        let saved = sink
        sink = mutedSink
        let result = nodeOutputs(template.nodes[i], path: path(ofNode: i), scope: .plain)
        sink = saved
        outputCache[i] = result ?? []
        outputState[i] = result == nil ? .failed : .done
        return outputCache[i]
    }

    private func typedOutputs() -> [Variable] {
        template.outputs.compactMap { o in
            var deps = Set<Int>()
            let p = source.outputPaths[o.name] ?? "outputs.\(o.name)"
            return inferType(o.binding, p, .plain, &deps).map { Variable(name: o.name, type: $0) }
        }
    }

    private func checkFailureNode(_ n: Node) -> CompiledNode {
        var scope = BindingScope.plain
        scope.inFailureNode = true
        let check = checkNode(n, source.failureNodePath ?? "on_failure.node", scope: scope)
        return compiledNode(n, id: n.id, check: check, depth: 0, upstream: [], downstream: [], scope: scope)
    }

    func compiledNode(_ n: Node, id: String, check: NodeCheck, depth: Int, upstream: [String], downstream: [String],
                      scope: BindingScope = .plain) -> CompiledNode {
        let saved = sink
        sink = mutedSink
        let outputs = nodeOutputs(n, path: "", scope: scope) ?? []
        sink = saved
        return CompiledNode(id: id, kind: n.kind.word, step: n.step, depth: depth, upstream: upstream, downstream: downstream,
                            inputs: check.inputs, outputs: outputs, node: n, children: check.children)
    }
}
