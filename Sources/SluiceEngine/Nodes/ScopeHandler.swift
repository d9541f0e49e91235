import SluiceModel

/// Runs a subworkflow inline under its own namespace (`sub/child`); with `retries`, a failed subflow is
/// reverted and run again as a whole (TaskFlow's retry controller).
struct ScopeHandler: NodeHandler {
    func start(_ def: NodeDef, _ ctx: StepContext) {
        guard case .workflow(let name) = def.node.node.kind else { return }
        let inputs: [String: LiteralValue]
        do { inputs = try resolver(def, ctx).inputs(def.node.inputs) } catch {
            begin(def, phase: .running, ctx)
            return fail(def.id, Failure(.flow, "cannot resolve inputs: \(error.message)", node: def.id), ctx)
        }
        begin(def, phase: .running, inputs: inputs, ctx)
        ctx.update(def.id) { $0.waitReason = .children; $0.scopeTry = 1 }
        Self.open(def.id, source: .subworkflow(name), inputs: inputs, ctx)
    }

    /// Creates the scope `id/` and starts its roots.
    static func open(_ id: String, source: ScopeRecord.Source, inputs: [String: LiteralValue], _ ctx: StepContext) {
        let prefix = id + "/"
        ctx.header.scopes[prefix] = ScopeRecord(prefix: prefix, source: source, inputs: inputs)
        ctx.index.forget(scope: prefix)
        ctx.engine.startScope(prefix, ctx)
    }

    func reconcile(_ def: NodeDef, _ ctx: StepContext) {
        guard let n = ctx.node(def.id), !n.phase.isFinal else { return }
        let prefix = def.id + "/"
        if let job = ctx.state.header.reverts[def.id] {
            return RevertRunner.advance(owner: def.id, job, ctx) { failure in
                if let failure {
                    fail(def.id, Failure(.flow, "subflow revert failed: \(failure.message)", node: def.id), ctx)
                } else {
                    retry(def, ctx)
                }
            }
        }
        let c = ctx.counters(prefix)
        guard c.active == 0, c.failure != nil || c.final == c.total else { return }
        if let failure = c.failure {
            let policy = def.node.node.retries
            if ctx.state.header.abort == nil, ctx.counters(def.scope).failure == nil, let p = policy, (n.scopeTry ?? 1) < p.attempts {
                ctx.event("subflow-retry", node: def.id, "subflow failed (\(failure.message)); reverting it before try \((n.scopeTry ?? 1) + 1)")
                let job = RevertJob(queue: RevertRunner.completedTasks(under: prefix, ctx, failed: failure.node))
                ctx.header.reverts[def.id] = job
                return reconcile(def, ctx)
            }
            return fail(def.id, Failure(failure.kind == .aborted ? .aborted : .flow, "subflow failed: \(failure.message)", node: failure.node ?? def.id), ctx)
        }
        guard let record = ctx.state.header.scopes[prefix], let wf = ctx.index.workflow(record, nodes: ctx.state.nodes, scopes: ctx.state.header.scopes) else { return }
        var outputs: [String: LiteralValue] = [:]
        let r = Resolver(ctx: ctx, scope: prefix)
        for o in wf.outputs {
            do { outputs[o.name] = try r.value(o.binding) } catch {
                return fail(def.id, Failure(.flow, "subflow output '\(o.name)': \(error.message)", node: def.id), ctx)
            }
        }
        finishScope(def, outputs, ctx)
    }

    /// Dynamic nodes keep only their declared outputs.
    func finishScope(_ def: NodeDef, _ outputs: [String: LiteralValue], _ ctx: StepContext) {
        succeed(def.id, outputs: outputs, ctx)
    }

    /// Clears the subflow's node states and runs it again.
    private func retry(_ def: NodeDef, _ ctx: StepContext) {
        let prefix = def.id + "/"
        ctx.header.reverts[def.id] = nil
        var used = ctx.state.header.attemptsUsed ?? [:]
        for id in ctx.state.nodes.keys.sorted() where id.hasPrefix(prefix) {
            for a in ctx.state.nodes[id]?.attempts ?? [] { used[id, default: UsedAttempts()][a.purpose] = max(used[id]?[a.purpose] ?? 0, a.number) }
            ctx.engine.active.remove(id)
            ctx.state.nodes[id] = nil
            ctx.changed.insert(id)
        }
        if !used.isEmpty { ctx.header.attemptsUsed = used }
        for id in ctx.engine.maps.keys where id.hasPrefix(prefix) { ctx.engine.maps[id] = nil }
        for key in ctx.state.header.scopes.keys where key.hasPrefix(prefix) && key != prefix { ctx.header.scopes[key] = nil }
        ctx.header.scopes[prefix]?.failure = nil
        ctx.update(def.id) { $0.scopeTry = ($0.scopeTry ?? 1) + 1 }
        ctx.index.forget(scope: prefix)
        ctx.engine.startScope(prefix, ctx)
    }
}

/// A task whose output `flow` is compiled and run as a child graph.
struct DynamicHandler: NodeHandler {
    func start(_ def: NodeDef, _ ctx: StepContext) { TaskHandler().start(def, ctx) }

    func reconcile(_ def: NodeDef, _ ctx: StepContext) {
        guard let n = ctx.node(def.id) else { return }
        if n.dynamicFlow == nil { return TaskHandler().reconcile(def, ctx) }
        ScopeHandler().reconcile(def, ctx)
    }

    /// The generating task succeeded: compile its `flow` output and open the child scope.
    func generated(_ def: NodeDef, _ outputs: [String: LiteralValue], _ ctx: StepContext) {
        let text: String
        switch outputs["flow"] {
        case .string(let s)?: text = s
        case let v?: text = ValueCoding.json(v)
        case nil: return fail(def.id, Failure(.user, "the task wrote no 'flow' output", node: def.id), ctx)
        }
        switch ctx.engine.environment.compileFlow(text) {
        case .failure(let problems):
            fail(def.id, Failure(.user, "the generated flow does not compile:\n" + problems.messages.joined(separator: "\n"), node: def.id), ctx)
        case .success(let flow):
            var inputs: [String: LiteralValue] = [:]
            let given = ctx.node(def.id)?.inputs ?? [:]
            for p in flow.workflow.interface.inputs {
                if let v = given[p.name] ?? p.defaultValue { inputs[p.name] = v }
            }
            ctx.update(def.id) { n in
                n.dynamicFlow = flow
                n.phase = .waiting
                n.waitReason = .children
            }
            ctx.event("dynamic-compiled", node: def.id, "generated flow \(flow.workflow.name) with \(flow.workflow.nodes.count) nodes")
            ScopeHandler.open(def.id, source: .dynamic(node: def.id), inputs: inputs, ctx)
        }
    }
}
