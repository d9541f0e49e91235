import SluiceModel

/// Sleep, approve and signal gates: a node that waits for time, a person, or a value.
struct GateHandler: NodeHandler {
    func start(_ def: NodeDef, _ ctx: StepContext) {
        guard case .gate(let gate) = def.node.node.kind else { return }
        let timeout = def.node.node.timeout?.runtime ?? def.node.node.timeout?.deadline
        begin(def, phase: .waiting, ctx)
        switch gate {
        case .sleep(let d):
            ctx.update(def.id) { n in
                n.waitReason = .sleep
                n.wakeAt = ctx.now + d.milliseconds
            }
            ctx.event("gate-sleep", node: def.id, "sleeping \(d)")
        case .approve(let value, let message):
            var shown: LiteralValue?
            if let value {
                do { shown = try resolver(def, ctx).value(value) } catch {
                    return fail(def.id, Failure(.flow, "cannot resolve the value to approve: \(error.message)", node: def.id), ctx)
                }
            }
            ctx.update(def.id) { n in
                n.waitReason = .approval
                n.gate = GateRecord(value: shown)
                n.wakeAt = timeout.map { ctx.now + $0.milliseconds }
            }
            ctx.event("gate-waiting", node: def.id, "waiting for approval\(message.map { ": \($0)" } ?? "")\(shown.map { " of \($0)" } ?? "")")
        case .signal(let id, _):
            ctx.update(def.id) { n in
                n.waitReason = .signal
                n.wakeAt = timeout.map { ctx.now + $0.milliseconds }
            }
            ctx.event("gate-waiting", node: def.id, "waiting for signal '\(id)'")
            reconcile(def, ctx)
        }
    }

    func reconcile(_ def: NodeDef, _ ctx: StepContext) {
        guard case .gate(let gate) = def.node.node.kind, let n = ctx.node(def.id), n.phase == .waiting else { return }
        switch gate {
        case .sleep:
            if let w = n.wakeAt, ctx.now >= w { succeed(def.id, outputs: [:], ctx) }
        case .approve:
            if let approved = n.gate?.approved {
                if approved {
                    succeed(def.id, outputs: n.gate?.value.map { ["value": $0] } ?? [:], ctx)
                } else {
                    let who = n.gate?.by ?? "someone"
                    fail(def.id, Failure(.flow, "rejected by \(who)\(n.gate?.comment.map { ": \($0)" } ?? "")", node: def.id), ctx)
                }
            } else if let w = n.wakeAt, ctx.now >= w {
                fail(def.id, Failure(.timeout, "no approval before the gate's timeout", node: def.id), ctx)
            }
        case .signal(let id, let type):
            if var delivery = ctx.state.header.signals[id], delivery.consumedBy == nil {
                switch ValueCoding.coerce(delivery.value, to: type) {
                case .success(let value):
                    delivery.consumedBy = def.id
                    ctx.header.signals[id] = delivery
                    ctx.update(def.id) { $0.gate = GateRecord(by: delivery.by, comment: delivery.comment, at: delivery.at, value: value) }
                    succeed(def.id, outputs: ["value": value], note: "signal '\(id)' from \(delivery.by)", ctx)
                case .failure(let why):
                    ctx.event("signal-rejected", node: def.id, "signal '\(id)': expected \(type) but \(why); still waiting")
                    ctx.header.signals[id] = nil
                }
            } else if let w = n.wakeAt, ctx.now >= w {
                fail(def.id, Failure(.timeout, "no signal '\(id)' before the gate's timeout", node: def.id), ctx)
            }
        }
    }
}
