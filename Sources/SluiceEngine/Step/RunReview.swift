import SluiceModel

extension Engine {
    /// Decides the run's outcome once its main scope has settled: success, failure (with revert and the
    /// failure node), or abort.
    func reviewRun(_ ctx: StepContext) {
        let h = ctx.state.header
        guard !h.phase.isFinal, h.phase != .queued else { return }
        if let abort = h.abort {
            guard active.isEmpty else { return }
            ctx.header.failure = ctx.state.header.failure ?? Failure(.aborted, "aborted by \(abort.by): \(abort.reason)")
            skipUnstarted(ctx, note: "not run: the run was aborted")
            return finish(.aborted, ctx)
        }
        let main = ctx.counters("")
        if main.failure == nil {
            guard main.active == 0, main.final == main.total else { return }
            return succeedRun(ctx)
        }
        guard active.isEmpty || h.reverts[""] != nil || h.failureNodeStarted else { return }
        if h.failure == nil {
            ctx.header.failure = main.failure
            skipUnstarted(ctx, note: "not run: the flow failed")
            if flow.workflow.onFailure == .revert {
                ctx.header.reverts[""] = RevertJob(queue: RevertRunner.completedTasks(under: "", ctx, failed: main.failure?.node))
                ctx.event("revert-started", "reverting \(ctx.state.header.reverts[""]?.queue.count ?? 0) completed tasks")
            }
        }
        if let job = ctx.state.header.reverts[""], job.failure == nil, job.index < job.queue.count {
            var done = false
            RevertRunner.advance(owner: "", job, ctx) { _ in done = true }
            if !done { return }
        }
        if let failureNodeID {
            if !ctx.state.header.failureNodeStarted {
                ctx.header.failureNodeStarted = true
                if let def = index.def(failureNodeID, state: ctx.state) {
                    ctx.event("failure-node", node: failureNodeID, "running the on_failure node")
                    handler(for: def).start(def, ctx)
                }
            }
            if let n = ctx.node(failureNodeID), !n.phase.isFinal { return }
        }
        finish(finalPhase(ctx), ctx)
    }

    private func finalPhase(_ ctx: StepContext) -> RunPhase {
        if let job = ctx.state.header.reverts[""] {
            if let rf = job.failure {
                let first = ctx.state.header.failure?.message ?? "the flow failed"
                ctx.header.failure = Failure(.flow, "\(first); then revert failed: \(rf.message)", node: rf.node)
                return .revertFailed
            }
            return .reverted
        }
        return ctx.state.header.failure?.kind == .timeout ? .timedOut : .failed
    }

    private func succeedRun(_ ctx: StepContext) {
        var outputs: [String: LiteralValue] = [:]
        let r = Resolver(ctx: ctx, scope: "")
        for o in flow.workflow.outputs {
            do { outputs[o.name] = try r.value(o.binding) } catch {
                ctx.header.failure = Failure(.flow, "output '\(o.name)': \(error.message)")
                return finish(.failed, ctx)
            }
        }
        ctx.header.outputs = outputs
        finish(.succeeded, ctx)
    }

    private func finish(_ phase: RunPhase, _ ctx: StepContext) {
        ctx.header.phase = phase
        ctx.header.finishedAt = ctx.now
        let why = ctx.state.header.failure.map { ": \($0.message)" } ?? ""
        ctx.event("run-\(phase.rawValue)", "run \(phase.rawValue)\(phase == .succeeded ? "" : why)")
        ctx.effects.append(.finished(phase))
    }

    /// Marks top-level nodes that never started as skipped, so the tree says why they did not run.
    private func skipUnstarted(_ ctx: StepContext, note: String) {
        for (prefix, record) in ctx.state.header.scopes.sorted(by: { $0.key < $1.key }) {
            guard let wf = index.workflow(record, nodes: ctx.state.nodes, scopes: ctx.state.header.scopes) else { continue }
            for n in wf.nodes where ctx.node(prefix + n.id) == nil {
                ctx.update(prefix + n.id, kind: n.kind, step: n.step) { s in
                    s.phase = .skipped
                    s.note = note
                }
            }
        }
    }
}

/// Undoes completed tasks with their `revert` commands, newest first, each exactly once.
enum RevertRunner {
    /// Completed tasks under `prefix` that have a revert command, newest completion first; the failed task's own
    /// revert goes first, since it may have done part of its work (as OpenStack TaskFlow does).
    static func completedTasks(under prefix: String, _ ctx: StepContext, failed: String?) -> [String] {
        var done: [(Int, String)] = []
        for (id, n) in ctx.state.nodes where id.hasPrefix(prefix) && n.phase == .succeeded && n.completion != nil {
            if hasRevert(id, ctx), n.cacheHitFrom == nil { done.append((n.completion!, id)) }
        }
        var queue = done.sorted { $0.0 > $1.0 }.map(\.1)
        if let f = failed, hasRevert(f, ctx), let n = ctx.node(f), !n.attempts.isEmpty, !queue.contains(f) {
            queue.insert(f, at: 0)
        }
        return queue
    }

    private static func hasRevert(_ id: String, _ ctx: StepContext) -> Bool {
        guard let def = ctx.index.def(id, state: ctx.state), let call = TaskHandler.call(def, def.flow) else { return false }
        switch def.node.node.kind {
        case .task: return call.task.revert != nil
        case .map: if case .mapItem = def.role { return call.task.revert != nil } else { return false }
        default: return false
        }
    }

    /// Moves a revert job on: starts the next revert attempt, or records its end; calls `done` when finished.
    static func advance(owner: String, _ job: RevertJob, _ ctx: StepContext, done: (Failure?) -> Void) {
        var job = job
        while job.index < job.queue.count {
            let id = job.queue[job.index]
            guard let n = ctx.node(id), let def = ctx.index.def(id, state: ctx.state), let call = TaskHandler.call(def, def.flow) else {
                job.index += 1
                continue
            }
            if let a = n.lastAttempt(.revert) {
                guard a.phase.isFinal else { ctx.header.reverts[owner] = job; return }
                if a.phase == .succeeded {
                    ctx.update(id) { $0.phase = .reverted; $0.note = "reverted" }
                    job.index += 1
                    continue
                }
                let f = Failure(.user, "revert of \(id) failed: \(a.failure?.message ?? a.phase.rawValue)", node: id)
                ctx.update(id) { $0.phase = .revertFailed; $0.note = f.message }
                job.failure = f
                ctx.header.reverts[owner] = job
                return done(f)
            }
            let number = n.nextAttemptNumber(.revert, usedBefore: ctx.state.header.attemptsUsed?[id])
            var spec = AttemptSpecs.make(runID: ctx.state.header.id, ref: AttemptRef(node: id, attempt: number, purpose: .revert),
                                         task: call.task, node: call.node, inputs: n.inputs ?? [:], extra: [:], purpose: .revert)
            spec.flow = ctx.engine.flow.workflow.name
            ctx.update(id) { n in
                n.phase = .reverting
                n.attempts.append(AttemptState(number: number, purpose: .revert, phase: .queued, queuedAt: ctx.now))
            }
            ctx.event("revert-queued", node: id, attempt: number, "reverting \(id)")
            ctx.effects.append(.startAttempt(spec))
            ctx.header.reverts[owner] = job
            return
        }
        ctx.header.reverts[owner] = job
        done(nil)
    }
}
