import SluiceModel

/// if / elif / else: evaluates conditions in order, runs the chosen node, skips the others.
struct BranchHandler: NodeHandler {
    func start(_ def: NodeDef, _ ctx: StepContext) {
        guard case .branch(let b) = def.node.node.kind else { return }
        begin(def, phase: .running, ctx)
        let r = resolver(def, ctx)
        var chosen: Int?
        for (i, c) in b.cases.enumerated() {
            do {
                if try r.evaluate(c.when) { chosen = i; break }
            } catch {
                return fail(def.id, Failure(.flow, "cannot evaluate case \(i) (\(c.when)): \(error.message)", node: def.id), ctx)
            }
        }
        var children = b.cases.map(\.then)
        if case .node(let e)? = b.otherwise { children.append(e) }
        let chosenID: String?
        switch (chosen, b.otherwise) {
        case (let i?, _): chosenID = b.cases[i].then.id
        case (nil, .node(let e)?): chosenID = e.id
        case (nil, .fail(let message)?):
            skip(children, except: nil, def, ctx)
            return fail(def.id, Failure(.flow, message, node: def.id), ctx)
        case (nil, nil): chosenID = nil
        }
        ctx.event("branch-decided", node: def.id, chosenID.map { "took \($0)" } ?? "no case matched; nothing to run")
        skip(children, except: chosenID, def, ctx)
        guard let chosenID else {
            return succeed(def.id, outputs: Dictionary(uniqueKeysWithValues: def.node.outputs.map { ($0.name, LiteralValue.none) }), ctx)
        }
        ctx.update(def.id) { $0.phase = .waiting; $0.waitReason = .children }
        let childID = def.id + "/" + chosenID
        if let childDef = ctx.index.def(childID, state: ctx.state) {
            ctx.engine.handler(for: childDef).start(childDef, ctx)
        }
    }

    private func skip(_ children: [Node], except chosen: String?, _ def: NodeDef, _ ctx: StepContext) {
        for c in children where c.id != chosen {
            ctx.update(def.id + "/" + c.id, kind: c.kind.word, step: def.node.step) { n in
                n.phase = .skipped
                n.note = "branch not taken"
            }
        }
    }

    func reconcile(_ def: NodeDef, _ ctx: StepContext) {
        guard case .branch(let b) = def.node.node.kind else { return }
        var ids = b.cases.map(\.then.id)
        if case .node(let e)? = b.otherwise { ids.append(e.id) }
        guard let child = ids.compactMap({ ctx.node(def.id + "/" + $0) }).first(where: { $0.phase != .skipped }),
              child.phase.isFinal else { return }
        if child.phase == .succeeded {
            let outputs = Dictionary(uniqueKeysWithValues: def.node.outputs.map { ($0.name, child.outputs?[$0.name] ?? .none) })
            succeed(def.id, outputs: outputs, ctx)
        } else {
            var f = child.failure ?? Failure(.flow, "\(child.id) \(child.phase.rawValue)", node: child.id)
            f.message = "\(child.id): \(f.message)"
            fail(def.id, f, ctx)
        }
    }
}
