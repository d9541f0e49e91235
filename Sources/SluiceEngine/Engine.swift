import SluiceModel

/// Settings the engine needs from outside that are still pure: how to compile a dynamic node's flow.
public struct EngineEnvironment: Sendable {
    /// Compiles the JSON (or YAML) text of a generated flow; errors come back as one message per line.
    public var compileFlow: @Sendable (String) -> Result<CompiledFlow, FlowProblems>

    public init(compileFlow: @escaping @Sendable (String) -> Result<CompiledFlow, FlowProblems>) {
        self.compileFlow = compileFlow
    }

    /// An environment whose dynamic nodes always fail to compile (for tests that have none).
    public static let noDynamic = EngineEnvironment { _ in .failure(FlowProblems(["dynamic flows are not available here"])) }
}

/// Why a generated flow could not be used: one message per problem.
public struct FlowProblems: Error, Sendable {
    public var messages: [String]
    public init(_ messages: [String]) { self.messages = messages }
}

/// The reconciler for one run: `step(state, observations, now) -> (state, effects)`, deterministic, no I/O.
/// It keeps indexes of the compiled flow and of the active nodes between steps; a fresh engine rebuilds them
/// from any state (after a restart), so holding one is only an optimisation.
public final class Engine {
    public let flow: CompiledFlow
    public let environment: EngineEnvironment
    let index: FlowIndex
    /// Nodes that have started and not finished.
    var active = Set<String>()
    var counters: [String: ScopeCounters] = [:]
    /// Exits observed in the current step (their outputs are read once, by the task handler).
    var exits: [AttemptRef: AttemptExit] = [:]
    /// When nodes want to be looked at again.
    var timers = TimerQueue()
    /// Active nodes waiting on a person or a signal (the run shows `waiting` when these are all that is active).
    var humanWaits = Set<String>()
    /// Item counters of map nodes, built from their items' states on first use and kept as items change.
    var maps: [String: MapCounters] = [:]
    /// The id the on_failure node runs under: its own id (the compiler keeps it apart from the flow's nodes).
    var failureNodeID: String? { flow.workflow.failureNode?.id }
    private var loadedSteps = -1

    public init(flow: CompiledFlow, environment: EngineEnvironment = .noDynamic) {
        self.flow = flow
        self.environment = environment
        self.index = FlowIndex(flow: flow)
    }

    /// Advances the run in place: applies observations, starts what is ready, checks timers, decides the outcome.
    /// The state is mutated where it lies (no copy of its node table), so a step costs what it changes.
    public func step(_ state: inout RunState, observations: [Observation] = [], now: Timestamp) -> StepResult {
        if state.steps != loadedSteps || loadedSteps < 0 { rebuildIndexes(state) }
        exits = [:]
        let ctx = StepContext(state: RunState(header: state.header), now: now, engine: self)
        ctx.state.completions = state.completions
        swap(&ctx.state, &state)
        defer { swap(&ctx.state, &state) }
        if ctx.state.header.phase == .queued { startRun(ctx) }
        for o in observations { apply(o, ctx) }
        while let t = timers.first, t.at <= now.milliseconds {
            _ = timers.pop()
            if let w = ctx.node(t.id)?.wakeAt, w.milliseconds == t.at { ctx.touch(t.id) }
        }
        ctx.runNeedsReview = true
        drain(ctx)
        if !ctx.state.header.phase.isFinal, ctx.state.header.phase != .queued {
            let waiting = !active.isEmpty && humanWaits.count == active.count
            let phase: RunPhase = waiting ? .waiting : .running
            if ctx.state.header.phase != phase { ctx.header.phase = phase }
        }
        ctx.state.steps += 1
        loadedSteps = ctx.state.steps
        if !ctx.state.header.phase.isFinal, let wake = nextWake(ctx) { ctx.effects.append(.wakeAt(wake)) }
        return StepResult(changedNodes: ctx.changed, headerChanged: ctx.headerChanged, events: ctx.events, effects: ctx.effects)
    }

    /// Reconciles every touched node, then the run's outcome when asked for, until nothing more changes.
    func drain(_ ctx: StepContext) {
        while true {
            while let id = ctx.nextTouched() { reconcile(id, ctx) }
            guard ctx.runNeedsReview else { return }
            ctx.runNeedsReview = false
            reviewRun(ctx)
        }
    }

    /// Looks at one node: starts it when ready, or lets its handler react to what changed.
    func reconcile(_ id: String, _ ctx: StepContext) {
        guard let def = index.def(id, state: ctx.state) else { return }
        let handlerFor = handler(for: def)
        let phase = ctx.node(id)?.phase ?? .pending
        if phase == .pending {
            guard case .scopeNode = def.role, canStart(def, ctx) else { return }
            handlerFor.start(def, ctx)
        } else if !phase.isFinal {
            handlerFor.reconcile(def, ctx)
        }
    }

    /// The handler of a node's kind (map items are tasks).
    func handler(for def: NodeDef) -> any NodeHandler {
        switch def.kind {
        case .task: TaskHandler()
        case .map: MapHandler()
        case .branch: BranchHandler()
        case .gate: GateHandler()
        case .workflow: ScopeHandler()
        case .dynamic: DynamicHandler()
        }
    }

    /// A scope node may start when every upstream node succeeded (or was skipped), the run is not stopping,
    /// and its scope has not failed.
    func canStart(_ def: NodeDef, _ ctx: StepContext) -> Bool {
        if ctx.state.header.abort != nil || ctx.state.header.phase.isFinal { return false }
        if ctx.counters(def.scope).failure != nil { return false }
        if ctx.state.header.failure != nil { return false }
        for u in def.node.upstream {
            guard let p = ctx.node(def.scope + u)?.phase, p.letsDownstreamRun else { return false }
        }
        return true
    }

    /// Stops a leaf node: cancels its live attempt, or ends its wait. Composite nodes (map, branch, subflow)
    /// are only touched: their handlers see the run or scope stopping and wind their children down.
    func cancel(_ id: String, reason: CancelReason, ctx: StepContext) {
        guard let n = ctx.node(id), !n.phase.isFinal else { return }
        if let live = n.attempts.last(where: { !$0.phase.isFinal }) {
            if live.cancelReason == nil {
                ctx.update(id) { $0.attempts[$0.attempts.count - 1].cancelReason = reason }
                ctx.effects.append(.cancelAttempt(AttemptRef(node: id, attempt: live.number, purpose: live.purpose), reason: reason))
            }
            return
        }
        let composite = n.waitReason == .children || (n.phase == .running && n.attempts.isEmpty)
        if composite { return ctx.touch(id) }
        if n.phase == .reverting { return }
        ctx.update(id) { n in
            n.phase = .aborted
            n.finishedAt = ctx.now
            n.wakeAt = nil
            n.waitReason = nil
            n.failure = n.failure ?? Failure(.aborted, "stopped: \(reason)", node: id)
        }
    }

    /// Stops every active node (leaves directly, composites through their handlers).
    func cancelAll(where include: (String) -> Bool, reason: CancelReason, ctx: StepContext) {
        for id in active.sorted() where include(id) { cancel(id, reason: reason, ctx: ctx) }
    }

    private func startRun(_ ctx: StepContext) {
        ctx.header.phase = .running
        ctx.header.startedAt = ctx.now
        ctx.header.scopes[""] = ScopeRecord(prefix: "", source: .main, inputs: ctx.state.header.inputs)
        ctx.event("run-started", "run of \(flow.workflow.name) started")
        startScope("", ctx)
    }

    /// Registers a scope's nodes and touches its roots.
    func startScope(_ prefix: String, _ ctx: StepContext) {
        guard let record = ctx.state.header.scopes[prefix], let wf = index.workflow(record, nodes: ctx.state.nodes, scopes: ctx.state.header.scopes) else { return }
        counters[prefix] = ScopeCounters(total: wf.nodes.count)
        if prefix.isEmpty { ctx.state.nodes.reserveCapacity(wf.nodes.count + 16) }
        if wf.nodes.isEmpty { ctx.touchOwner(of: prefix) }
        let reused = wf.nodes.compactMap { ctx.node(prefix + $0.id) }
        guard !reused.isEmpty else {
            for n in wf.nodes where n.upstream.isEmpty { ctx.touch(prefix + n.id) }
            return
        }
        // A retry starts with the nodes that succeeded before already final: count them, and look at every
        // other node, since no upstream will change phase to wake it.
        counters[prefix]?.started += reused.count
        counters[prefix]?.final += reused.filter { $0.phase.isFinal }.count
        for n in wf.nodes where ctx.node(prefix + n.id) == nil { ctx.touch(prefix + n.id) }
        if reused.count == wf.nodes.count { ctx.touchOwner(of: prefix) }
    }

    private func nextWake(_ ctx: StepContext) -> Timestamp? {
        while let t = timers.first {
            if let w = ctx.node(t.id)?.wakeAt, w.milliseconds == t.at, !(ctx.node(t.id)?.phase.isFinal ?? true) {
                return Timestamp(milliseconds: t.at)
            }
            _ = timers.pop()
        }
        return nil
    }

    /// Rebuilds the active set and scope counters from a loaded state.
    private func rebuildIndexes(_ state: RunState) {
        active = Set(state.nodes.values.filter { !$0.phase.isFinal && $0.phase != .pending }.map(\.id))
        humanWaits = Set(active.filter { id in
            let r = state.nodes[id]?.waitReason
            return r == .approval || r == .signal
        })
        timers.removeAll()
        maps = [:]
        for id in active.sorted() { if let w = state.nodes[id]?.wakeAt { timers.push(w, id) } }
        counters = [:]
        for (prefix, record) in state.header.scopes {
            guard let wf = index.workflow(record, nodes: state.nodes, scopes: state.header.scopes) else { continue }
            var c = ScopeCounters(total: wf.nodes.count)
            for n in wf.nodes {
                guard let s = state.nodes[prefix + n.id], s.phase != .pending else { continue }
                c.started += 1
                if s.phase.isFinal { c.final += 1 }
                if s.phase.isFinal, !s.phase.letsDownstreamRun, s.phase != .skipped, c.failure == nil {
                    c.failure = s.failure ?? Failure(.flow, "node \(s.id) \(s.phase.rawValue)", node: s.id)
                }
            }
            c.failure = record.failure ?? c.failure
            counters[prefix] = c
        }
    }
}
