import SluiceModel

/// One node kind's behaviour, as flytepropeller's handlers: start when ready, react to changes.
/// Handlers are stateless; everything they know lives in the run state.
protocol NodeHandler: Sendable {
    /// The node's upstream nodes succeeded: resolve inputs and begin.
    func start(_ def: NodeDef, _ ctx: StepContext)
    /// Something about the node changed (an attempt, a child, a timer, a signal): move it on.
    func reconcile(_ def: NodeDef, _ ctx: StepContext)
}

extension NodeState {
    /// When the node's last attempt ended, if it has ended: a node that finishes because its attempt did ends
    /// then, not when the controller heard of it (after a restart that can be much later).
    var endOfLastAttempt: Timestamp? {
        guard let last = attempts.last(where: { $0.purpose == .run }), last.phase.isFinal else { return nil }
        return last.finishedAt
    }
}

extension NodeHandler {
    /// Marks a node succeeded with outputs, counting its completion for revert order.
    func succeed(_ id: String, outputs: [String: LiteralValue], note: String? = nil, _ ctx: StepContext) {
        ctx.state.completions += 1
        let completion = ctx.state.completions
        ctx.update(id) { n in
            n.phase = .succeeded
            n.outputs = outputs
            n.finishedAt = n.endOfLastAttempt ?? ctx.now
            n.wakeAt = nil
            n.waitReason = nil
            n.completion = completion
            if let note { n.note = note }
        }
    }

    /// Marks a node failed (or timed out / aborted, by the failure's kind).
    func fail(_ id: String, _ failure: Failure, _ ctx: StepContext) {
        ctx.update(id) { n in
            n.phase = failure.kind == .timeout ? .timedOut : (failure.kind == .aborted ? .aborted : .failed)
            n.failure = failure
            n.finishedAt = n.endOfLastAttempt ?? ctx.now
            n.wakeAt = nil
            n.waitReason = nil
        }
    }

    /// Creates the node's state as started.
    func begin(_ def: NodeDef, phase: NodePhase, inputs: [String: LiteralValue]? = nil, _ ctx: StepContext) {
        ctx.update(def.id, kind: def.kind.rawValue, step: def.node.step) { n in
            n.phase = phase
            n.startedAt = n.startedAt ?? ctx.now
            n.inputs = inputs
        }
    }

    func resolver(_ def: NodeDef, _ ctx: StepContext) -> Resolver {
        var r = Resolver(ctx: ctx, scope: def.scope)
        if case .mapItem(let parent, let index) = def.role, case .map(let m) = def.node.node.kind,
           case .list(let items)? = ctx.node(parent)?.inputs?["over"], index < items.count {
            r.item = (m.itemName, items[index])
        }
        if case .failureHandler = def.role { r.failure = ctx.state.header.failure }
        return r
    }
}
