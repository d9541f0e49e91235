import SluiceModel

/// Runs a task once per list item, at most `parallelism` at a time, succeeding when enough items did.
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
        ctx.event("map-started", node: def.id, "mapping \(m.task) over \(items.count) items, needs \(Self.required(m, items.count)) to succeed")
        reconcile(def, ctx)
    }

    /// How many items must succeed: min_successes, ceil(ratio × n), or all.
    static func required(_ m: MapSpec, _ n: Int) -> Int {
        if let s = m.minSuccesses { return min(s, n) }
        if let r = m.minSuccessRatio { return Int((r * Double(n)).rounded(.up)) }
        return n
    }

    func reconcile(_ def: NodeDef, _ ctx: StepContext) {
        guard case .map(let m) = def.node.node.kind, let n = ctx.node(def.id), !n.phase.isFinal, let count = n.itemCount else { return }
        let required = Self.required(m, count)
        var succeeded = 0, failed = 0, live = 0
        var pending: [Int] = []
        for i in 0..<count {
            switch ctx.node(item(def, i))?.phase {
            case nil, .pending?: pending.append(i)
            case .succeeded?: succeeded += 1
            case let p? where p.isFinal: failed += 1
            default: live += 1
            }
        }
        let stopping = ctx.state.header.abort != nil || ctx.counters(def.scope).failure != nil
        if failed > count - required || stopping {
            if live > 0 {
                for i in 0..<count where !(ctx.node(item(def, i))?.phase.isFinal ?? true) {
                    ctx.engine.cancel(item(def, i), reason: stopping ? "the flow is stopping" : "the map can no longer reach \(required) successes", ctx: ctx)
                }
                return
            }
            for i in pending { ctx.update(item(def, i), kind: "task", step: def.node.step) { $0.phase = .skipped; $0.note = "map stopped" } }
            let firstError = (0..<count).lazy.compactMap { ctx.node(item(def, $0)) }
                .first { $0.phase.isFinal && !$0.phase.letsDownstreamRun && $0.failure != nil && $0.failure?.kind != .aborted }
                .map { " (first: \($0.id): \($0.failure!.message))" } ?? ""
            let why = stopping ? "stopped" : "\(failed) of \(count) items failed; needed \(required) successes\(firstError)"
            return fail(def.id, Failure(stopping ? .aborted : .flow, why, node: def.id), ctx)
        }
        if succeeded + failed == count {
            return succeed(def.id, outputs: outputs(def, m, count, ctx), ctx)
        }
        let room = (m.parallelism ?? Int.max) - live
        for i in pending.prefix(max(room, 0)) {
            guard let itemDef = ctx.index.def(item(def, i), state: ctx.state) else { continue }
            TaskHandler().start(itemDef, ctx)
        }
    }

    private func item(_ def: NodeDef, _ i: Int) -> String { "\(def.id)[\(i)]" }

    /// Each task output as a list in item order; failed items are null.
    private func outputs(_ def: NodeDef, _ m: MapSpec, _ count: Int, _ ctx: StepContext) -> [String: LiteralValue] {
        var out: [String: LiteralValue] = [:]
        for v in def.node.outputs {
            out[v.name] = .list((0..<count).map { i in ctx.node(item(def, i))?.outputs?[v.name] ?? .none })
        }
        return out
    }
}
