import SluiceModel

/// Finds gates in a compiled flow, including inside branches and subworkflows.
public enum GateLookup {
    /// The declared type of signal `id`, wherever its gate is.
    public static func signalType(_ id: String, in flow: CompiledFlow) -> LiteralType? {
        for n in everyNode(flow) {
            if case .gate(.signal(let sid, let type)) = n.node.kind, sid == id { return type }
        }
        return nil
    }

    /// Every signal id the flow declares.
    public static func signalIDs(in flow: CompiledFlow) -> [String] {
        everyNode(flow).compactMap {
            if case .gate(.signal(let id, _)) = $0.node.kind { return id } else { return nil }
        }
    }

    /// Ids of the approve gates of the top-level workflow (and its branches).
    public static func approvalGates(in flow: CompiledFlow) -> [String] {
        all(flow.workflow.nodes).filter { if case .gate(.approve) = $0.node.kind { true } else { false } }.map(\.id)
    }

    /// The compiled gate a node id may stand for before the run has reached it (a node the run has reached
    /// is resolved exactly by `NodeResolver`): an exact id first, else the last path part (`sub/pick`'s `pick`)
    /// in a subworkflow. For messages about gates not yet waiting.
    public static func gate(forNode id: String, in flow: CompiledFlow) -> GateSpec? {
        if let exact = all(flow.workflow.nodes).first(where: { $0.id == id }) {
            if case .gate(let g) = exact.node.kind { return g }
            return nil
        }
        for sub in flow.subworkflows {
            for n in all(sub.nodes) where id.hasSuffix("/" + n.id) {
                if case .gate(let g) = n.node.kind { return g }
            }
        }
        return nil
    }

    /// A node and everything nested in it, depth first.
    public static func all(_ nodes: [CompiledNode]) -> [CompiledNode] {
        nodes.flatMap { [$0] + all($0.children) }
    }

    static func everyNode(_ flow: CompiledFlow) -> [CompiledNode] {
        ([flow.workflow] + flow.subworkflows).flatMap { all($0.nodes) }
    }
}
