import SluiceModel

extension Engine {
    /// A time a backend reported, never later than now (clocks of other machines may run ahead).
    static func observed(_ t: Timestamp?, _ ctx: StepContext) -> Timestamp {
        guard let t, t < ctx.now else { return ctx.now }
        return t
    }

    /// Records what an observation says about the run; handlers decide what follows.
    func apply(_ o: Observation, _ ctx: StepContext) {
        switch o {
        case .attemptStarted(let ref, let at):
            updateAttempt(ref, ctx) { a in
                if a.phase == .queued { a.phase = .running; a.startedAt = Self.observed(at, ctx) }
            }
            ctx.update(ref.node) { n in
                if n.phase == .queued { n.phase = .running }
                // What the node showed while this attempt waited (a backend's "queued: ..." note) or what an
                // earlier attempt reported no longer holds.
                n.progress = nil
            }
            ctx.event("attempt-started", node: ref.node, attempt: ref.attempt, "attempt \(ref) started")
        case .attemptExited(let ref, let exit):
            exits[ref] = exit
            updateAttempt(ref, ctx) { a in
                guard !a.phase.isFinal else { return }
                a.finishedAt = Self.observed(exit.finishedAt, ctx)
                a.startedAt = a.startedAt ?? Self.observed(exit.startedAt, ctx)
                a.exitCode = exit.exitCode
                a.signal = exit.signal
                a.maxRSSBytes = exit.maxRSSBytes
                a.cpuMillis = exit.cpuMillis
                (a.phase, a.failure) = Self.classify(exit, cancelReason: a.cancelReason, node: ref.node)
            }
            let a = ctx.node(ref.node)?.attempts.first { $0.number == ref.attempt && $0.purpose == ref.purpose }
            ctx.event("attempt-exited", node: ref.node, attempt: ref.attempt,
                      "attempt \(ref) \(a?.phase.rawValue ?? "ended")\(a?.failure.map { ": \($0.message)" } ?? "")")
        case .attemptLost(let ref, let reason):
            updateAttempt(ref, ctx) { a in
                guard !a.phase.isFinal else { return }
                a.finishedAt = ctx.now
                a.phase = a.cancelReason != nil ? .cancelled : .lost
                a.failure = Failure(.system, "attempt lost: \(reason)", node: ref.node)
            }
            ctx.event("attempt-lost", node: ref.node, attempt: ref.attempt, "attempt \(ref) lost: \(reason)")
        case .progress(let ref, let p):
            if let n = ctx.node(ref.node), n.progress != p {
                ctx.update(ref.node) { $0.progress = p }
                // A report that changes what the node shows is history too, and lets a watcher update it live.
                ctx.event("progress", node: ref.node, attempt: ref.attempt, Self.describe(p), progress: p)
            }
            heartbeat(ref, ctx)
            return
        case .heartbeat(let ref):
            heartbeat(ref, ctx)
            return
        case .signal(let id, let value, let by, let comment):
            // The first signal that reaches the run wins until a gate takes it; a later one is recorded, not used.
            if let pending = ctx.header.signals[id], pending.consumedBy == nil {
                ctx.event("signal-ignored", "signal '\(id)' = \(value) from \(by) ignored: '\(id)' = \(pending.value) from \(pending.by) came first and no gate has taken it yet")
                return
            }
            ctx.header.signals[id] = SignalDelivery(id: id, value: value, by: by, comment: comment, at: ctx.now)
            ctx.event("signal", "signal '\(id)' = \(value) from \(by)")
            for gate in active.sorted() where ctx.node(gate)?.waitReason == .signal { ctx.touch(gate) }
        case .approval(let node, let approved, let by, let comment):
            guard let n = ctx.node(node), n.waitReason == .approval, !n.phase.isFinal else {
                ctx.event("approval-ignored", node: node, "\(approved ? "approval" : "rejection") from \(by) ignored: node is not waiting for approval")
                return
            }
            // The first decision wins, also when two arrive in the same step.
            if let first = n.gate, let was = first.approved {
                ctx.event("approval-ignored", node: node, "\(approved ? "approval" : "rejection") from \(by) ignored: already \(was ? "approved" : "rejected") by \(first.by ?? "someone")")
                return
            }
            ctx.update(node) { $0.gate = GateRecord(approved: approved, by: by, comment: comment, at: ctx.now, value: $0.gate?.value) }
            ctx.event(approved ? "approved" : "rejected", node: node, "\(approved ? "approved" : "rejected") by \(by)\(comment.map { ": \($0)" } ?? "")")
        case .abortRequested(let by, let reason):
            guard ctx.state.header.abort == nil, !ctx.state.header.phase.isFinal else { return }
            ctx.header.abort = AbortRequest(by: by, reason: reason, at: ctx.now)
            ctx.event("abort-requested", "abort requested by \(by): \(reason)")
            cancelAll(where: { _ in true }, reason: .abort(by: by), ctx: ctx)
            ctx.runNeedsReview = true
            return
        case .cacheAnswer(let node, let key, let answer):
            cacheAnswered(node, key, answer, ctx)
            return
        }
        if case .signal = o { return }
        if case .approval(let node, _, _, _) = o { return ctx.touch(node) }
        for ref in Self.refs(o) {
            ctx.touch(ref.node)
            guard ref.purpose == .revert else { continue }
            for (owner, job) in ctx.state.header.reverts.sorted(by: { $0.key < $1.key }) where job.queue.contains(ref.node) {
                if owner.isEmpty { ctx.runNeedsReview = true } else { ctx.touch(owner) }
            }
        }
    }

    /// A progress report in one line: `40%: loading shards (loss=0.31)`.
    static func describe(_ p: Progress) -> String {
        var parts: [String] = []
        if let f = p.fraction { parts.append("\(Int((f * 100).rounded()))%") }
        if let m = p.message, !m.isEmpty { parts.append(m) }
        var text = parts.isEmpty ? "progress" : parts.joined(separator: ": ")
        if !p.metrics.isEmpty {
            text += " (" + p.metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
        }
        return text
    }

    /// Records a sign of life and moves the node's heartbeat deadline.
    private func heartbeat(_ ref: AttemptRef, _ ctx: StepContext) {
        guard let n = ctx.node(ref.node), let i = n.attempts.firstIndex(where: { $0.number == ref.attempt && $0.purpose == ref.purpose }),
              !n.attempts[i].phase.isFinal else { return }
        ctx.update(ref.node) { $0.attempts[i].lastHeartbeat = ctx.now }
        ctx.touch(ref.node)
    }

    private static func refs(_ o: Observation) -> [AttemptRef] {
        switch o {
        case .attemptStarted(let r, _), .attemptExited(let r, _), .attemptLost(let r, _), .progress(let r, _): [r]
        default: []
        }
    }

    private func updateAttempt(_ ref: AttemptRef, _ ctx: StepContext, _ body: (inout AttemptState) -> Void) {
        guard let n = ctx.node(ref.node), let i = n.attempts.firstIndex(where: { $0.number == ref.attempt && $0.purpose == ref.purpose }) else {
            ctx.event("observation-ignored", node: ref.node, attempt: ref.attempt, "no attempt \(ref) in this run")
            return
        }
        ctx.update(ref.node) { body(&$0.attempts[i]) }
    }

    /// Whose fault an exit was: a timeout we enforced, the task's (exit code, OOM), or the system's (foreign signal).
    static func classify(_ exit: AttemptExit, cancelReason: CancelReason?, node: String) -> (AttemptState.Phase, Failure?) {
        if let reason = cancelReason {
            if reason == .heartbeat {
                return (.lost, Failure(.system, "no heartbeat in time: the task went silent and was stopped", node: node))
            }
            if reason.isTimeLimit {
                return (.timedOut, Failure(.timeout, reason == .queuedTimeout ? "did not start in time (queued timeout)" : "killed after its time limit (\(reason))", node: node))
            }
            if exit.exitCode == 0 && !exit.killedByUs { return (.succeeded, nil) }
            return (.cancelled, Failure(.aborted, "cancelled: \(reason)", node: node))
        }
        if let why = exit.userFailure { return (.failed, Failure(.user, why, node: node, permanent: exit.permanent)) }
        if exit.oomKilled { return (.failed, Failure(.user, "out of memory (OOM-killed)\(exit.detail.map { ": \($0)" } ?? "")", node: node)) }
        if let code = exit.exitCode, code == 0, exit.signal == nil {
            if let e = exit.outputsError { return (.failed, Failure(.user, "cannot read outputs: \(e)", node: node)) }
            return (.succeeded, nil)
        }
        if let sig = exit.signal, !exit.killedByUs {
            return (.failed, Failure(.system, "killed by signal \(sig) (not sent by Sluice)", node: node))
        }
        let detail = exit.detail.map { ": \($0)" } ?? ""
        return (.failed, Failure(.user, "exited with code \(exit.exitCode ?? -1)\(detail)", node: node))
    }

    private func cacheAnswered(_ id: String, _ key: String, _ answer: CacheAnswer, _ ctx: StepContext) {
        guard let n = ctx.node(id), !n.phase.isFinal, n.cacheKey == key, n.waitReason == .cache, let def = index.def(id, state: ctx.state),
              let call = TaskHandler.call(def, def.flow) else { return }
        switch answer {
        case .hit(let json, let from):
            switch ValueCoding.outputs(json, declared: call.task.interface.outputs) {
            case .success(let outputs):
                ctx.update(id) { $0.cacheHitFrom = from }
                ctx.event("cache-hit", node: id, "outputs reused from \(from) (cache key \(key.prefix(12)))")
                if case .dynamic = def.node.node.kind, case .scopeNode = def.role {
                    DynamicHandler().generated(def, outputs, ctx)
                } else {
                    TaskHandler().succeed(id, outputs: outputs, note: "cached: outputs from \(from)", ctx)
                }
            case .failure:
                TaskHandler().launch(def, call, ctx)
            }
        case .miss(let reserved):
            if reserved {
                TaskHandler().launch(def, call, ctx)
            } else {
                ctx.update(id) { $0.wakeAt = ctx.now + 500 }
                ctx.event("cache-wait", node: id, "another run is computing this result; waiting for it")
            }
        }
    }
}
