import SluiceModel

/// Runs a task (a task node, one map item, or the generating step of a dynamic node) as attempts,
/// with retries, timeouts and caching.
struct TaskHandler: NodeHandler {
    /// What to run for a definition: the task, its typed input bindings, and node-level overrides.
    struct Call {
        var task: TaskTemplate
        var bindings: [TypedBinding]
        var node: Node
        var itemName: String?
    }

    static func call(_ def: NodeDef, _ flow: CompiledFlow) -> Call? {
        let n = def.node.node
        switch n.kind {
        case .task(let name), .dynamic(let name, _):
            return flow.task(name).map { Call(task: $0, bindings: def.node.inputs, node: n) }
        case .map(let m):
            return flow.task(m.task).map { Call(task: $0, bindings: def.node.inputs, node: n, itemName: m.itemName) }
        default: return nil
        }
    }

    func start(_ def: NodeDef, _ ctx: StepContext) {
        guard let call = Self.call(def, def.flow) else {
            begin(def, phase: .running, ctx)
            return fail(def.id, Failure(.flow, "no task for node \(def.id)", node: def.id), ctx)
        }
        let inputs: [String: LiteralValue]
        do { inputs = try resolver(def, ctx).inputs(call.bindings) } catch {
            begin(def, phase: .running, ctx)
            return fail(def.id, Failure(.flow, "cannot resolve inputs: \(error.message)", node: def.id), ctx)
        }
        begin(def, phase: .queued, inputs: inputs, ctx)
        if let cache = call.node.cache ?? call.task.cache {
            let ignored = Set(cache.ignore)
            let keyed = inputs.filter { !ignored.contains($0.key) }
            let key = SHA256.hex("\(call.task.name)\u{0}\(cache.version)\u{0}\(ValueCoding.json(keyed))")
            ctx.update(def.id) { n in
                n.cacheKey = key
                n.phase = .waiting
                n.waitReason = .cache
            }
            ctx.effects.append(.lookupCache(node: def.id, key: key, serialize: cache.serialize))
            return
        }
        launch(def, call, ctx)
    }

    /// Requests a new attempt from the backend.
    func launch(_ def: NodeDef, _ call: Call, _ ctx: StepContext) {
        guard let n = ctx.node(def.id) else { return }
        let number = n.nextAttemptNumber(.run, usedBefore: ctx.state.header.attemptsUsed?[def.id])
        let inputs = n.inputs ?? [:]
        var extra: [String: LiteralValue] = [:]
        if let itemName = call.itemName, let item = resolver(def, ctx).item { extra[itemName] = item.value }
        var spec = AttemptSpecs.make(runID: ctx.state.header.id, ref: AttemptRef(node: def.id, attempt: number),
                                     task: call.task, node: call.node, inputs: inputs, extra: extra, purpose: .run,
                                     lastAttempt: Policies.isLastAttempt(Policies.retries(call), n))
        spec.flow = ctx.engine.flow.workflow.name
        let timeouts = Policies.timeouts(call)
        ctx.update(def.id) { n in
            n.attempts.append(AttemptState(number: number, purpose: .run, phase: .queued, queuedAt: ctx.now))
            n.phase = .queued
            n.waitReason = nil
            n.wakeAt = Policies.earliest([timeouts.queued.map { ctx.now + $0.milliseconds }, Policies.deadline(n, timeouts)])
        }
        ctx.event("attempt-queued", node: def.id, attempt: number, "attempt \(number) of \(call.task.name) requested")
        ctx.effects.append(.startAttempt(spec))
    }

    func reconcile(_ def: NodeDef, _ ctx: StepContext) {
        guard let n = ctx.node(def.id), let call = Self.call(def, def.flow) else { return }
        let timeouts = Policies.timeouts(call)
        if let deadline = Policies.deadline(n, timeouts), ctx.now >= deadline {
            if n.hasLiveAttempt { return ctx.engine.cancel(def.id, reason: .deadline, ctx: ctx) }
            return fail(def.id, Failure(.timeout, "deadline of \(timeouts.deadline!) over all attempts passed", node: def.id), ctx)
        }
        switch n.phase {
        case .waiting where n.waitReason == .backoff:
            if let w = n.wakeAt, ctx.now >= w { launch(def, call, ctx) }
        case .waiting where n.waitReason == .cache:
            // Another run holds the reservation: ask again once the wait is over.
            if let w = n.wakeAt, ctx.now >= w, let key = n.cacheKey {
                ctx.update(def.id) { $0.wakeAt = nil }
                ctx.effects.append(.lookupCache(node: def.id, key: key, serialize: (call.node.cache ?? call.task.cache)?.serialize ?? false))
            }
        case .queued, .running:
            guard let attempt = n.lastAttempt() else { return }
            if attempt.phase.isFinal { return finishAttempt(def, call, attempt, ctx) }
            checkAttemptTimeouts(def, call, attempt, timeouts, ctx)
            let due = Policies.earliest([
                attempt.phase == .queued ? timeouts.queued.map { attempt.queuedAt + $0.milliseconds } : nil,
                attempt.phase == .running ? timeouts.runtime.flatMap { r in attempt.startedAt.map { $0 + r.milliseconds } } : nil,
                Policies.deadline(n, timeouts),
                Self.heartbeatDue(attempt, call),
            ])
            if attempt.cancelReason == nil, due != ctx.node(def.id)?.wakeAt { ctx.update(def.id) { $0.wakeAt = due } }
        default:
            return
        }
    }

    /// When a task with `heartbeat:` must next show a sign of life (counted from its start or last beat).
    static func heartbeatDue(_ attempt: AttemptState, _ call: Call) -> Timestamp? {
        guard attempt.phase == .running, let interval = call.task.heartbeat,
              let since = attempt.lastHeartbeat ?? attempt.startedAt else { return nil }
        return since + interval.milliseconds
    }

    private func checkAttemptTimeouts(_ def: NodeDef, _ call: Call, _ attempt: AttemptState, _ t: TimeoutPolicy, _ ctx: StepContext) {
        guard attempt.cancelReason == nil else { return }
        if let due = Self.heartbeatDue(attempt, call), ctx.now >= due {
            return ctx.engine.cancel(def.id, reason: .heartbeat, ctx: ctx)
        }
        if attempt.phase == .queued, let q = t.queued, ctx.now >= attempt.queuedAt + q.milliseconds {
            ctx.engine.cancel(def.id, reason: .queuedTimeout, ctx: ctx)
        } else if attempt.phase == .running, let r = t.runtime, let s = attempt.startedAt, ctx.now >= s + r.milliseconds {
            ctx.engine.cancel(def.id, reason: .runtimeTimeout, ctx: ctx)
        }
    }

    /// The latest attempt ended: succeed, retry, or fail the node.
    private func finishAttempt(_ def: NodeDef, _ call: Call, _ attempt: AttemptState, _ ctx: StepContext) {
        if attempt.phase == .succeeded {
            let exit = ctx.engine.exits[AttemptRef(node: def.id, attempt: attempt.number)]
            let declared = declaredOutputs(def, call)
            switch ValueCoding.outputs(exit?.outputsJSON, declared: declared) {
            case .success(let outputs): return completed(def, call, outputs, ctx)
            case .failure(let why):
                ctx.update(def.id) { n in
                    n.attempts[n.attempts.count - 1].phase = .failed
                    n.attempts[n.attempts.count - 1].failure = Failure(.user, why.description, node: def.id)
                }
                return retryOrFail(def, call, Failure(.user, why.description, node: def.id), ctx)
            }
        }
        let failure = attempt.failure ?? Failure(.user, "attempt \(attempt.number) failed", node: def.id)
        if let reason = attempt.cancelReason, reason.isStop {
            return fail(def.id, Failure(.aborted, "stopped: \(reason)", node: def.id), ctx)
        }
        if attempt.cancelReason == .deadline {
            return fail(def.id, Failure(.timeout, "deadline over all attempts passed", node: def.id), ctx)
        }
        retryOrFail(def, call, failure, ctx)
    }

    private func declaredOutputs(_ def: NodeDef, _ call: Call) -> [Variable] {
        call.task.interface.outputs
    }

    private func completed(_ def: NodeDef, _ call: Call, _ outputs: [String: LiteralValue], _ ctx: StepContext) {
        if let key = ctx.node(def.id)?.cacheKey, let cache = call.node.cache ?? call.task.cache {
            ctx.effects.append(.storeCache(key: key, task: call.task.name, version: cache.version,
                                           outputsJSON: ValueCoding.json(outputs), node: def.id))
        }
        if case .dynamic = def.node.node.kind, case .scopeNode = def.role {
            return DynamicHandler().generated(def, outputs, ctx)
        }
        succeed(def.id, outputs: outputs, ctx)
    }

    /// Retries within the budget of the failure's kind, after backoff; otherwise fails the node.
    private func retryOrFail(_ def: NodeDef, _ call: Call, _ failure: Failure, _ ctx: StepContext) {
        let policy = Policies.retries(call)
        guard let n = ctx.node(def.id) else { return }
        let isSystem = failure.kind == .system
        let used = isSystem ? n.systemFailures + 1 : n.userFailures + 1
        let budget = isSystem ? policy.systemAttempts : policy.attempts
        ctx.update(def.id) { n in
            if isSystem { n.systemFailures = used } else { n.userFailures = used }
        }
        if ctx.state.header.abort != nil || ctx.counters(def.scope).failure != nil {
            return fail(def.id, failure, ctx)
        }
        if case .mapItem(let map, _) = def.role, MapHandler.cannotSucceed(map, ctx) {
            return fail(def.id, failure, ctx)
        }
        guard used < budget, failure.permanent != true else {
            if let key = n.cacheKey { ctx.effects.append(.releaseCache(key: key, node: def.id)) }
            let what = isSystem ? "system" : "user"
            var final = failure
            if failure.permanent == true {
                if used < budget { final.message += " (not retried: another attempt would fail the same way)" }
            } else if budget > 1 {
                final.message += " (\(used) \(what) failures; retries exhausted)"
            }
            return fail(def.id, final, ctx)
        }
        let delay = Policies.backoff(policy.backoff, failures: n.userFailures + n.systemFailures + 1)
        ctx.update(def.id) { n in
            n.phase = .waiting
            n.waitReason = .backoff
            n.wakeAt = ctx.now + delay
        }
        ctx.event("retry-scheduled", node: def.id, "\(failure.message); retrying in \(DurationValue(milliseconds: delay))")
    }
}
