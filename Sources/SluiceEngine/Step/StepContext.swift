import SluiceModel

/// Counters for one scope, so completion checks cost O(1) instead of a walk over the scope.
struct ScopeCounters {
    var total = 0
    var started = 0
    var final = 0
    var failure: Failure?
    var active: Int { started - final }
}

/// The mutable working set of one `step`: state, effects, events, and the nodes still to look at.
final class StepContext {
    var state: RunState
    let now: Timestamp
    let index: FlowIndex
    let engine: Engine
    var effects: [Effect] = []
    var events: [RunEvent] = []
    var changed = Set<String>()
    var headerChanged = false
    private var worklist: [String] = []
    private var worklistHead = 0
    /// Composite nodes (map, branch, subflow) wait until their children's news is in, so they decide once.
    private var later: [String] = []
    private var laterHead = 0
    private var queued = Set<String>()
    var runNeedsReview = false

    init(state: RunState, now: Timestamp, engine: Engine) {
        self.state = state
        self.now = now
        self.index = engine.index
        self.engine = engine
    }

    var header: RunHeader {
        get { state.header }
        set { state.header = newValue; headerChanged = true }
    }

    func event(_ kind: String, node: String? = nil, attempt: Int? = nil, _ message: String, progress: Progress? = nil) {
        events.append(RunEvent(at: now, kind: kind, node: node, attempt: attempt, message: message, progress: progress))
    }

    /// Asks for `id` to be reconciled before the step ends.
    func touch(_ id: String) {
        guard queued.insert(id).inserted else { return }
        let def = index.def(id, state: state)
        let composite: Bool = switch def?.kind {
        case .task?, .gate?, nil: false
        case .map?, .branch?, .workflow?, .dynamic?: true
        }
        if composite { later.append(id) } else { worklist.append(id) }
    }

    func nextTouched() -> String? {
        let id: String
        if worklistHead < worklist.count {
            id = worklist[worklistHead]
            worklistHead += 1
            if worklistHead == worklist.count { worklist.removeAll(keepingCapacity: true); worklistHead = 0 }
        } else if laterHead < later.count {
            id = later[laterHead]
            laterHead += 1
            if laterHead == later.count { later.removeAll(keepingCapacity: true); laterHead = 0 }
        } else {
            return nil
        }
        queued.remove(id)
        return id
    }

    func node(_ id: String) -> NodeState? { state.nodes[id] }

    /// Changes a node's state and keeps the bookkeeping (active set, scope counters, downstream wake-ups) in step.
    func update(_ id: String, kind: String = "", step: String? = nil, _ body: (inout NodeState) -> Void) {
        var n = state.nodes[id] ?? NodeState(id: id, kind: kind, step: step)
        let before = n.phase
        let wakeBefore = n.wakeAt
        let waitBefore = n.waitReason
        body(&n)
        state.nodes[id] = n
        changed.insert(id)
        if let w = n.wakeAt, w != wakeBefore { engine.timers.push(w, id) }
        if before != n.phase || waitBefore != n.waitReason {
            let human = (n.waitReason == .approval || n.waitReason == .signal) && n.phase == .waiting
            if human { engine.humanWaits.insert(id) } else if waitBefore == .approval || waitBefore == .signal { engine.humanWaits.remove(id) }
        }
        if before != n.phase { phaseChanged(id, from: before, to: n) }
    }

    private static let revertPhases: Set<NodePhase> = [.reverting, .reverted, .revertFailed]

    private func phaseChanged(_ id: String, from before: NodePhase, to n: NodeState) {
        if Self.revertPhases.contains(n.phase) || before == .reverting {
            if n.phase == .reverting { engine.active.insert(id) } else { engine.active.remove(id) }
            if n.phase != .reverting { event("node-\(n.phase.rawValue)", node: id, n.note ?? "\(n.kind) \(n.phase.rawValue)") }
            return
        }
        let def = index.def(id, state: state)
        if case .mapItem(let parent, let i)? = def?.role { engine.maps[parent]?.itemChanged(i, from: before, to: n.phase, failure: n.failure) }
        let isScopeNode: Bool = { if case .scopeNode? = def?.role { true } else { false } }()
        if before == .pending && n.phase != .pending && isScopeNode, let s = def?.scope {
            engine.counters[s, default: ScopeCounters()].started += 1
        }
        if n.phase.isFinal {
            engine.active.remove(id)
        } else if n.phase != .pending {
            engine.active.insert(id)
        }
        guard n.phase.isFinal, !before.isFinal else { return }
        event("node-\(n.phase.rawValue)", node: id, n.failure?.message ?? n.note ?? "\(n.kind) \(n.phase.rawValue)")
        guard let def else { return }
        switch def.role {
        case .scopeNode:
            if before == .pending { /* finished without starting (skipped) */ engine.counters[def.scope, default: ScopeCounters()].started += 1 }
            engine.counters[def.scope, default: ScopeCounters()].final += 1
            if !n.phase.letsDownstreamRun, engine.counters[def.scope]?.failure == nil, n.phase != .skipped {
                let failure = n.failure ?? Failure(.flow, "node \(id) \(n.phase.rawValue)", node: id)
                engine.counters[def.scope]?.failure = failure
                header.scopes[def.scope]?.failure = failure
                scopeFailed(def.scope)
            }
            for d in def.node.downstream { touch(def.scope + d) }
            touchOwner(of: def.scope)
        case .branchChild(let parent), .mapItem(let parent, _):
            touch(parent)
        case .failureHandler:
            runNeedsReview = true
        }
    }

    /// Tells whoever owns a scope that something in it finished.
    func touchOwner(of scope: String) {
        if scope.isEmpty { runNeedsReview = true } else { touch(String(scope.dropLast())) }
    }

    /// A node of the scope failed: apply the scope's failure policy to its running nodes.
    private func scopeFailed(_ scope: String) {
        guard let record = state.header.scopes[scope],
              let workflow = index.workflow(record, nodes: state.nodes, scopes: state.header.scopes) else { return }
        if workflow.onFailure == .finishRunning {
            for id in engine.active.sorted() where scope.isEmpty || id.hasPrefix(scope) { touch(id) }
            return
        }
        engine.cancelAll(where: { scope.isEmpty || $0.hasPrefix(scope) }, reason: .stopping("the flow is failing (policy \(workflow.onFailure.rawValue))"), ctx: self)
    }

    func counters(_ scope: String) -> ScopeCounters { engine.counters[scope] ?? ScopeCounters() }
}
