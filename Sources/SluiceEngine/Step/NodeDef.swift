import SluiceModel

/// What an instantiated node is: its compiled definition, the scope it binds in, and its role.
/// A class, because it is looked up on every touch and copying its compiled node would cost more than the lookup.
final class NodeDef {
    enum Role {
        /// A node of a workflow scope, with upstream/downstream in that scope.
        case scopeNode
        /// The node a branch chose (or skipped); child of `parent`.
        case branchChild(parent: String)
        /// Item `index` of the map node `parent`.
        case mapItem(parent: String, index: Int)
        /// The on_failure node, run once after the flow failed.
        case failureHandler
    }

    let id: String
    let node: CompiledNode
    let scope: String
    let role: Role
    /// The kind of work this instance does: a map item is a task, whatever its map node is.
    let kind: NodeKindName
    /// The flow whose tasks and subworkflows this node uses (the main one, or a dynamic node's).
    let flow: CompiledFlow

    init(id: String, node: CompiledNode, scope: String, role: Role, flow: CompiledFlow) {
        self.id = id
        self.node = node
        self.scope = scope
        self.role = role
        self.flow = flow
        if case .mapItem = role { kind = .task } else { kind = node.node.kind.name }
    }
}

/// Finds compiled definitions for qualified node ids, caching what it built.
final class FlowIndex {
    let flow: CompiledFlow
    private var scopeNodes: [String: [String: CompiledNode]] = [:]
    private var defs: [String: NodeDef] = [:]

    init(flow: CompiledFlow) {
        self.flow = flow
        // The main workflow's nodes are looked up on every step: index them once.
        defs.reserveCapacity(flow.workflow.nodes.count * 2)
        for n in flow.workflow.nodes {
            defs[n.id] = NodeDef(id: n.id, node: n, scope: "", role: .scopeNode, flow: flow)
        }
    }

    /// The workflow a scope runs.
    func workflow(_ scope: ScopeRecord, nodes: [String: NodeState], scopes: [String: ScopeRecord] = [:]) -> CompiledWorkflow? {
        switch scope.source {
        case .main: return flow.workflow
        case .subworkflow(let name): return enclosingFlow(scope.prefix, nodes: nodes, scopes: scopes).subworkflow(name)
        case .dynamic(let node): return nodes[node]?.dynamicFlow?.workflow
        }
    }

    /// The flow that defines the tasks and subworkflows used inside scope `prefix`.
    func enclosingFlow(_ prefix: String, nodes: [String: NodeState], scopes: [String: ScopeRecord]) -> CompiledFlow {
        guard !prefix.isEmpty, let record = scopes[prefix] else { return flow }
        if case .dynamic(let node) = record.source { return nodes[node]?.dynamicFlow ?? flow }
        let owner = String(prefix.dropLast())
        return enclosingFlow(Self.scopePrefix(of: owner, scopes: scopes), nodes: nodes, scopes: scopes)
    }

    /// Top-level nodes of a scope by local id.
    func nodes(of scope: ScopeRecord, state: RunState) -> [String: CompiledNode] {
        if let cached = scopeNodes[scope.prefix] { return cached }
        var byID: [String: CompiledNode] = [:]
        for n in workflow(scope, nodes: state.nodes, scopes: state.header.scopes)?.nodes ?? [] { byID[n.id] = n }
        scopeNodes[scope.prefix] = byID
        return byID
    }

    /// Forgets a scope's cache (a subflow retry or a dynamic graph replaces it).
    func forget(scope prefix: String) {
        // Nothing under a scope is built before its nodes are: a scope opened for the first time costs nothing.
        guard scopeNodes.removeValue(forKey: prefix) != nil else { return }
        defs = defs.filter { !$0.key.hasPrefix(prefix) }
    }

    /// The definition of node `id`, or nil when the id names nothing in this flow.
    func def(_ id: String, state: RunState) -> NodeDef? {
        if let d = defs[id] { return d }
        guard let d = build(id, state: state) else { return nil }
        defs[id] = d
        return d
    }

    private func build(_ id: String, state: RunState) -> NodeDef? {
        if let f = flow.workflow.failureNode, id == f.id, state.nodes[id] != nil || state.header.failureNodeStarted,
           state.header.scopes[""] != nil {
            return NodeDef(id: id, node: f, scope: "", role: .failureHandler, flow: flow)
        }
        if id.hasSuffix("]"), let open = id.lastIndex(of: "[") {
            let parentID = String(id[..<open])
            guard let index = Int(id[id.index(after: open)..<id.index(before: id.endIndex)]),
                  let parent = def(parentID, state: state) else { return nil }
            return NodeDef(id: id, node: parent.node, scope: parent.scope, role: .mapItem(parent: parentID, index: index), flow: parent.flow)
        }
        let scope = scopePrefix(of: id, state: state)
        guard let record = state.header.scopes[scope] else { return nil }
        let parts = id.dropFirst(scope.count).split(separator: "/").map(String.init)
        guard let first = parts.first, var node = nodes(of: record, state: state)[first] else { return nil }
        let flow = enclosingFlow(scope, nodes: state.nodes, scopes: state.header.scopes)
        var parentID = scope + first
        if parts.count == 1 { return NodeDef(id: id, node: node, scope: scope, role: .scopeNode, flow: flow) }
        for part in parts.dropFirst() {
            guard let child = node.children.first(where: { $0.node.id == part }) else { return nil }
            let def = NodeDef(id: parentID + "/" + part, node: child, scope: scope, role: .branchChild(parent: parentID), flow: flow)
            node = child
            parentID = def.id
            if def.id == id { return def }
        }
        return nil
    }

    /// The longest scope prefix that `id` starts with ("" when none).
    func scopePrefix(of id: String, state: RunState) -> String {
        Self.scopePrefix(of: id, scopes: state.header.scopes)
    }

    static func scopePrefix(of id: String, scopes: [String: ScopeRecord]) -> String {
        var end = id.endIndex
        while let slash = id[..<end].lastIndex(of: "/") {
            let prefix = String(id[...slash])
            if scopes[prefix] != nil { return prefix }
            end = slash
        }
        return ""
    }
}

/// The compiled node a run's node id stands for, resolved through the run's scopes (subworkflows, branches,
/// map items, dynamic graphs) as the engine does: `sub/hold` is the subworkflow's `hold`, never a top-level
/// `hold`. Caches per scope, so resolving every node of a run costs one pass.
public final class NodeResolver {
    private let index: FlowIndex
    private let state: RunState

    public init(flow: CompiledFlow, state: RunState) {
        index = FlowIndex(flow: flow)
        self.state = state
    }

    /// The compiled node of run node `id`, or nil when the id names nothing in this run.
    public func node(_ id: String) -> CompiledNode? {
        index.def(id, state: state)?.node
    }
}
