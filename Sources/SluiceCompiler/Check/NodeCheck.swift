import SluiceModel

/// What checking one node found: its typed inputs, the top-level nodes it depends on, and its nested nodes.
struct NodeCheck {
    var inputs: [TypedBinding] = []
    var deps = Set<Int>()
    var children: [CompiledNode] = []
}

extension WorkflowChecker {
    /// Checks one node's references and types and collects its dependencies.
    func checkNode(_ n: Node, _ path: String, scope: BindingScope) -> NodeCheck {
        var check = NodeCheck()
        switch n.kind {
        case .task(let name) where AppDeploy.app(ofTask: name) != nil && tasks[name] == nil:
            break  // a deploy step of an unknown app, reported with the apps the file defines
        case .task(let name):
            if let task = lookupTask(name, FlowDecoder.join(path, "task")) {
                check.inputs = bindInputs(n.inputs, to: task.interface.inputs, path, scope, &check.deps, owner: "task '\(name)'",
                                          declaredAt: "tasks.\(name).inputs")
            }
        case .dynamic(let name, _):
            if let task = lookupTask(name, FlowDecoder.join(path, "dynamic")) {
                check.inputs = bindInputs(n.inputs, to: task.interface.inputs, path, scope, &check.deps, owner: "task '\(name)'",
                                          declaredAt: "tasks.\(name).inputs")
                if !(task.interface.output("flow").map { [.json, .string].contains($0.type) } ?? false) {
                    sink.report(.typeMismatch, path: FlowDecoder.join(path, "dynamic"),
                                "task '\(name)' must declare an output 'flow' of type json (the flow to run) to be used as a dynamic node")
                }
            }
        case .workflow(let name):
            if let sub = subworkflows[name] {
                check.inputs = bindInputs(n.inputs, to: sub.interface.inputs, path, scope, &check.deps, owner: "workflow '\(name)'",
                                          declaredAt: "workflows.\(name).inputs")
            } else if name == context.mainName {
                reportCallOfMainFlow(FlowDecoder.join(path, "workflow"))
            } else if !declaredWorkflows.contains(name) {
                sink.report(.unknownReference, path: FlowDecoder.join(path, "workflow"),
                            "unknown workflow '\(name)'\(Suggest.hint(name, declaredWorkflows.sorted())); define it under workflows:")
            }
        case .gate(let gate):
            if case .approve(let value?, _) = gate { _ = inferType(value, FlowDecoder.join(path, "gate.approve"), scope, &check.deps) }
        case .map(let m):
            checkMap(m, n, path, scope, &check)
        case .branch(let b):
            checkBranch(b, n, path, scope, &check)
        }
        checkNodeSettings(n, path)
        return check
    }

    /// The flow's own name called as a workflow: from the main flow it is a cycle of one; from a subworkflow,
    /// a call back into the flow that contains it.
    private func reportCallOfMainFlow(_ path: String) {
        let main = context.mainName
        let message = source.path.isEmpty
            ? "workflow cycle: \(main) -> \(main); a workflow cannot call itself (\(main) is this flow's own name)"
            : "workflow '\(main)' is the flow that contains this subworkflow; a workflow cannot call itself, directly or through others"
        sink.report(.cycle, path: path, message)
    }

    func lookupTask(_ name: String, _ path: String) -> TaskTemplate? {
        if let t = tasks[name] { return t }
        sink.report(.unknownReference, path: path,
                    "unknown task '\(name)'\(Suggest.hint(name, tasks.keys.sorted()))\(tasks.isEmpty ? "; the file defines no tasks" : "; defined: \(tasks.keys.sorted().joined(separator: ", "))")")
        return nil
    }

    /// Binds a node's inputs to the parameters of what it runs; reports unknown, missing and mistyped inputs.
    /// `declaredAt` is the path of the parameters' declaration: names dropped there for their own error are not unknown.
    func bindInputs(_ bindings: [InputBinding], to params: [Parameter], _ nodePath: String, _ scope: BindingScope,
                    _ deps: inout Set<Int>, owner: String, declaredAt: String, inputsKey: String = "inputs") -> [TypedBinding] {
        var typed: [TypedBinding] = []
        let inputsPath = FlowDecoder.join(nodePath, inputsKey)
        for b in bindings {
            let p = FlowDecoder.join(inputsPath, b.name)
            guard let param = params.first(where: { $0.name == b.name }) else {
                if dropped.contains(b.name, under: declaredAt) { continue }
                let names = params.map(\.name)
                sink.report(.unknownReference, atKeyOf: p,
                            "\(owner) has no input '\(b.name)'\(Suggest.hint(b.name, names)); \(names.isEmpty ? "it takes no inputs" : "its inputs: \(names.joined(separator: ", "))")")
                continue
            }
            check(b.binding, against: param.type, p, scope, &deps)
            typed.append(TypedBinding(name: b.name, type: param.type, binding: b.binding))
        }
        for param in params where !bindings.contains(where: { $0.name == param.name }) {
            if dropped.contains(param.name, under: inputsPath) { continue }  // bound, but the binding was reported
            if let d = param.defaultValue {
                typed.append(TypedBinding(name: param.name, type: param.type, binding: .literal(d)))
            } else if param.isRequired {
                sink.report(.missingInput, path: nodePath, "missing required input '\(param.name)' (\(param.type)) of \(owner)")
            }
        }
        return typed
    }

    private func checkMap(_ m: MapSpec, _ n: Node, _ path: String, _ scope: BindingScope, _ check: inout NodeCheck) {
        let mapPath = FlowDecoder.join(path, "map")
        var itemScope = scope
        itemScope.itemName = m.itemName
        if let overType = inferType(m.over, FlowDecoder.join(mapPath, "over"), scope, &check.deps) {
            if let element = overType.listElement {
                // An empty literal list has no element type to check the item against (and runs no item).
                if case .literal(.list([])) = m.over {} else { itemScope.itemType = element }
            } else {
                sink.report(.typeMismatch, path: FlowDecoder.join(mapPath, "over"), "a map goes over a list, but this is \(overType)")
            }
        }
        if case .literal(.list(let items)) = m.over, let ms = m.minSuccesses, ms > items.count {
            sink.report(.invalidValue, path: FlowDecoder.join(mapPath, "min_successes"),
                        "min_successes (\(ms)) is more than the \(items.count) items the map goes over")
        }
        if let task = lookupTask(m.task, FlowDecoder.join(mapPath, "task")) {
            check.inputs = bindInputs(m.inputs, to: task.interface.inputs, mapPath, itemScope, &check.deps, owner: "task '\(m.task)'",
                                      declaredAt: "tasks.\(m.task).inputs")
        }
    }

    /// Settings every kind of node has that name other things: placement placeholders, cache.ignore.
    private func checkNodeSettings(_ n: Node, _ path: String) {
        var item: String?
        if case .map(let m) = n.kind { item = m.itemName }
        if let template = n.placement?.node {
            checkPlaceholders(template, FlowDecoder.join(path, "placement.node"), item: item)
        }
        guard let ignore = n.cache?.ignore, !ignore.isEmpty, let (inputs, declaredAt, owner) = declaredInputs(of: n) else { return }
        let names = inputs.map(\.name)
        for (k, name) in ignore.enumerated() where !names.contains(name) && !dropped.contains(name, under: declaredAt) {
            sink.report(.unknownReference, path: "\(FlowDecoder.join(path, "cache.ignore"))[\(k)]",
                        "cache.ignore names '\(name)', which is not an input of \(owner)\(Suggest.hint(name, names))")
        }
    }

    /// The inputs of what a node runs, where they are declared, and how to name it; nil when there is none or it is unknown.
    private func declaredInputs(of n: Node) -> ([Parameter], String, String)? {
        let task: String
        switch n.kind {
        case .task(let t), .dynamic(let t, _): task = t
        case .map(let m): task = m.task
        case .workflow(let w): return subworkflows[w].map { ($0.interface.inputs, "workflows.\(w).inputs", "workflow '\(w)'") }
        case .gate, .branch: return nil
        }
        return tasks[task].map { ($0.interface.inputs, "tasks.\(task).inputs", "task '\(task)'") }
    }

    /// `{{NAME}}` in a placement may name the map item or `inputs.NAME`.
    private func checkPlaceholders(_ text: String, _ path: String, item: String?) {
        for name in Placeholders.names(in: text) {
            if name == item { continue }
            if name.hasPrefix("inputs.") {
                let input = String(name.dropFirst(7))
                if template.interface.input(input) != nil || dropped.contains(input, under: FlowDecoder.join(source.path, "inputs")) { continue }
            }
            sink.report(.unknownReference, path: path,
                        "unknown placeholder '{{\(name)}}'; expected \(item.map { "{{\($0)}} or " } ?? ""){{inputs.NAME}}")
        }
    }

    /// Cases and their nodes are checked in the branch's own scope, so a branch run on failure may read `error.*`.
    private func checkBranch(_ b: BranchSpec, _ n: Node, _ path: String, _ scope: BindingScope, _ check: inout NodeCheck) {
        let ifPath = FlowDecoder.join(path, "if")
        var seen = Set<String>()
        for (i, c) in b.cases.enumerated() {
            self.check(c.when, FlowDecoder.join("\(ifPath)[\(i)]", "when"), scope, &check.deps)
            check.children.append(child(c.then, parent: n.id, path: "\(ifPath)[\(i)].then", scope, &check.deps, &seen))
        }
        if case .node(let e)? = b.otherwise {
            check.children.append(child(e, parent: n.id, path: "\(ifPath)[\(b.cases.count)].else", scope, &check.deps, &seen))
        }
    }

    private func child(_ c: Node, parent: String, path: String, _ scope: BindingScope,
                       _ deps: inout Set<Int>, _ seen: inout Set<String>) -> CompiledNode {
        let qualified = "\(parent)/\(c.id)"
        let p = source.nodePaths[qualified] ?? path
        if !seen.insert(c.id).inserted {
            sink.report(.duplicateID, path: FlowDecoder.join(p, "id"), "duplicate id '\(c.id)' inside branch '\(parent)'")
        }
        let childCheck = checkNode(c, p, scope: scope)
        deps.formUnion(childCheck.deps)
        for a in c.after {
            if let j = nodeIndex[a] { deps.insert(j) } else if !source.failedNodeIDs.contains(a) {
                sink.report(.unknownReference, path: FlowDecoder.join(p, "after"), "after: unknown node '\(a)'")
            }
        }
        return compiledNode(c, id: qualified, check: childCheck, depth: 0, upstream: [], downstream: [], scope: scope)
    }

    /// The outputs a node offers to others; nil when what it runs could not be resolved.
    func nodeOutputs(_ n: Node, path: String, scope: BindingScope) -> [Variable]? {
        switch n.kind {
        case .task(let name): return tasks[name]?.interface.outputs
        case .workflow(let name): return subworkflows[name]?.interface.outputs
        case .dynamic(_, let outputs): return outputs
        case .gate(.sleep), .gate(.approve(nil, _)): return []
        case .gate(.signal(_, let t)): return [Variable(name: "value", type: t)]
        case .gate(.approve(let value?, _)):
            var deps = Set<Int>()
            return inferType(value, path, scope, &deps).map { [Variable(name: "value", type: $0)] }
        case .map(let m):
            guard let outs = tasks[m.task]?.interface.outputs else { return nil }
            return outs.map { Variable(name: $0.name, type: .list(m.allowsFailures ? Self.optional($0.type) : $0.type)) }
        case .branch(let b):
            return branchOutputs(b, scope: scope)
        }
    }

    static func optional(_ t: LiteralType) -> LiteralType {
        if case .optional = t { return t }
        return t == .none ? t : .optional(t)
    }

    /// The outputs every non-failing branch offers, with a common type; optional when no branch may be taken.
    private func branchOutputs(_ b: BranchSpec, scope: BindingScope) -> [Variable]? {
        var nodes = b.cases.map(\.then)
        if case .node(let e)? = b.otherwise { nodes.append(e) }
        var common: [Variable]?
        for n in nodes {
            guard let outs = nodeOutputs(n, path: "", scope: scope) else { return nil }
            guard let acc = common else { common = outs; continue }
            common = acc.compactMap { v in
                guard let o = outs.first(where: { $0.name == v.name }) else { return nil }
                if v.type.accepts(o.type) { return v }
                if o.type.accepts(v.type) { return o }
                return nil
            }
        }
        guard let result = common else { return [] }
        return b.otherwise == nil ? result.map { Variable(name: $0.name, type: Self.optional($0.type)) } : result
    }
}

/// Finds `{{...}}` placeholders in command lines and placement templates.
enum Placeholders {
    /// The trimmed names inside every `{{ }}` pair of `text`.
    static func names(in text: String) -> [String] {
        var out: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            let inner = rest[open.upperBound..<close.lowerBound]
            // `{{ '{{' }}` is the literal text `{{`, not a placeholder.
            if CommandTemplate.literal(String(inner)) == nil { out.append(inner.trimmingCharacters(in: " ")) }
            rest = rest[close.upperBound...]
        }
        return out
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        var s = self
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
