import SluiceModel

/// Runs a task once per list item, at most `parallelism` at a time, succeeding when enough items did.
/// Each step costs what changed: item outcomes are counted as they happen (`MapCounters`), not recounted.
struct MapHandler: NodeHandler {
    func start(_ def: NodeDef, _ ctx: StepContext) {
        guard case .map(let m) = def.node.node.kind else { return }
        let items: [LiteralValue]
        do {
            guard case .list(let l) = try resolver(def, ctx).value(m.over) else {
                begin(def, phase: .running, ctx)
                return fail(def.id, Failure(.flow, "map.over is not a list", node: def.id), ctx)
            }
            items = l
        } catch {
            begin(def, phase: .running, ctx)
            return fail(def.id, Failure(.flow, "cannot resolve map.over: \(error.message)", node: def.id), ctx)
        }
        begin(def, phase: .running, inputs: ["over": .list(items)], ctx)
        ctx.update(def.id) { $0.itemCount = items.count; $0.waitReason = .children }
        ctx.engine.maps[def.id] = MapCounters()
        ctx.event("map-started", node: def.id, "mapping \(m.task) over \(items.count) items, needs \(Self.required(m, items.count)) to succeed")
        reconcile(def, ctx)
    }

    /// How many items must succeed: min_successes, ceil(ratio × n), or all.
    static func required(_ m: MapSpec, _ n: Int) -> Int {
        if let s = m.minSuccesses { return min(s, n) }
        if let r = m.minSuccessRatio { return Int((r * Double(n)).rounded(.up)) }
        return n
    }

    static func item(_ map: String, _ i: Int) -> String { "\(map)[\(i)]" }

    /// The map's item counters, counted from the items' states when this engine has none yet.
    static func counters(_ id: String, count: Int, _ ctx: StepContext) -> MapCounters {
        if let c = ctx.engine.maps[id] { return c }
        let c = MapCounters.scan(id, count: count, ctx)
        ctx.engine.maps[id] = c
        return c
    }

    /// Whether the map `id` has already lost too many items to reach its minimum (its items then stop, not retry).
    static func cannotSucceed(_ id: String, _ ctx: StepContext) -> Bool {
        guard let def = ctx.index.def(id, state: ctx.state), case .map(let m) = def.node.node.kind,
              let count = ctx.node(id)?.itemCount else { return false }
        return counters(id, count: count, ctx).unsuccessful > count - required(m, count)
    }

    func reconcile(_ def: NodeDef, _ ctx: StepContext) {
        guard case .map(let m) = def.node.node.kind, let n = ctx.node(def.id), !n.phase.isFinal, let count = n.itemCount else { return }
        let required = Self.required(m, count)
        let c = Self.counters(def.id, count: count, ctx)
        let stopping = ctx.state.header.abort != nil || ctx.counters(def.scope).failure != nil
        if c.unsuccessful > count - required || stopping {
            return stop(def, count: count, required: required, flowStopping: stopping, ctx)
        }
        if c.finished == count {
            return succeed(def.id, outputs: outputs(def, m, count, ctx), ctx)
        }
        startPending(def, m, count: count, ctx)
    }

    /// Starts items in order while there is room under `parallelism`.
    private func startPending(_ def: NodeDef, _ m: MapSpec, count: Int, _ ctx: StepContext) {
        let limit = m.parallelism ?? Int.max
        while let c = ctx.engine.maps[def.id], c.live < limit, c.nextPending < count {
            let id = Self.item(def.id, c.nextPending)
            ctx.engine.maps[def.id]?.nextPending += 1
            if let s = ctx.node(id), s.phase != .pending { continue }
            guard let itemDef = ctx.index.def(id, state: ctx.state) else { continue }
            TaskHandler().start(itemDef, ctx)
        }
    }

    /// The map cannot succeed any more, or the flow is stopping: stop live items, then fail once they ended.
    private func stop(_ def: NodeDef, count: Int, required: Int, flowStopping: Bool, _ ctx: StepContext) {
        guard let c = ctx.engine.maps[def.id] else { return }
        if c.live > 0 {
            guard !c.stopping else { return }
            ctx.engine.maps[def.id]?.stopping = true
            let reason: CancelReason = .stopping(flowStopping ? "the flow is stopping" : "the map can no longer reach \(required) successes")
            for i in 0..<c.nextPending { ctx.engine.cancel(Self.item(def.id, i), reason: reason, ctx: ctx) }
            return
        }
        for i in c.nextPending..<count where ctx.node(Self.item(def.id, i)) == nil {
            ctx.update(Self.item(def.id, i), kind: NodeKindName.task.rawValue, step: def.node.step) { $0.phase = .skipped; $0.note = "map stopped" }
        }
        guard let after = ctx.engine.maps[def.id] else { return }
        if flowStopping { return fail(def.id, Failure(.aborted, "stopped", node: def.id), ctx) }
        let first = after.firstFailed.flatMap { ctx.node(Self.item(def.id, $0)) }.map { "\($0.id): \($0.failure?.message ?? $0.phase.rawValue)" }
        fail(def.id, Failure(.flow, after.summary(count: count, required: required, firstError: first), node: def.id), ctx)
    }

    /// Each task output as a list in item order; failed items are null.
    private func outputs(_ def: NodeDef, _ m: MapSpec, _ count: Int, _ ctx: StepContext) -> [String: LiteralValue] {
        var out: [String: LiteralValue] = [:]
        for v in def.node.outputs {
            out[v.name] = .list((0..<count).map { i in ctx.node(Self.item(def.id, i))?.outputs?[v.name] ?? .none })
        }
        return out
    }
}
