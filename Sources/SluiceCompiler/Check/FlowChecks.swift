import SluiceModel

extension WorkflowChecker {
    /// Signal ids must be unique in a workflow: a signal is addressed by run and id.
    func checkSignals() {
        var seen: [String: String] = [:]
        func visit(_ n: Node, _ path: String) {
            switch n.kind {
            case .gate(.signal(let id, _)):
                let p = FlowDecoder.join(path, "gate.signal")
                if let first = seen[id] {
                    sink.report(.duplicateID, path: p, "duplicate signal id '\(id)'; it is already waited for at \(first)")
                } else {
                    seen[id] = p
                }
            case .branch(let b):
                for (i, c) in b.cases.enumerated() { visit(c.then, source.nodePaths["\(n.id)/\(c.then.id)"] ?? "\(path).if[\(i)].then") }
                if case .node(let e)? = b.otherwise { visit(e, source.nodePaths["\(n.id)/\(e.id)"] ?? "\(path).if") }
            default: break
            }
        }
        for (i, n) in template.nodes.enumerated() { visit(n, path(ofNode: i)) }
    }

    /// A branch case after an always-true condition never runs; nodes after a branch that always fails never run.
    func checkUnreachable(_ graph: Graph) {
        for (i, n) in template.nodes.enumerated() {
            guard case .branch(let b) = n.kind else { continue }
            var alwaysTaken: Int?
            for (k, c) in b.cases.enumerated() {
                if let t = alwaysTaken {
                    sink.report(.unreachable, path: "\(path(ofNode: i)).if[\(k)]",
                                "unreachable: case \(t) has a condition that is always true, so this case never runs")
                } else if Self.constant(c.when) == true {
                    alwaysTaken = k
                }
            }
            if let t = alwaysTaken, b.otherwise != nil {
                sink.report(.unreachable, path: "\(path(ofNode: i)).if[\(b.cases.count)]",
                            "unreachable: case \(t) has a condition that is always true, so the else never runs")
            }
            let alwaysFails = alwaysTaken == nil && b.cases.allSatisfy { Self.constant($0.when) == false }
            guard alwaysFails, case .fail? = b.otherwise else { continue }
            for d in graph.downstream[i] {
                sink.report(.unreachable, path: path(ofNode: d),
                            "unreachable: node '\(template.nodes[d].id)' runs after branch '\(n.id)', whose conditions are all false and whose else is fail:")
            }
        }
    }

    /// The value of a condition that reads no references, or nil when it depends on the run.
    static func constant(_ c: Condition) -> Bool? {
        switch c {
        case .value(.literal(.bool(let b))): return b
        case .value: return nil
        case .not(let inner): return constant(inner).map { !$0 }
        case .and(let cs):
            let vs = cs.map(constant)
            if vs.contains(false) { return false }
            return vs.allSatisfy { $0 == true } ? true : nil
        case .or(let cs):
            let vs = cs.map(constant)
            if vs.contains(true) { return true }
            return vs.allSatisfy { $0 == false } ? false : nil
        case .compare(.literal(let l), let op, .literal(let r)):
            switch op {
            case .equal: return l == r
            case .notEqual: return l != r
            default: return nil
            }
        case .compare: return nil
        }
    }
}

/// Checks a task definition on its own: placeholders, cache settings, pod templates.
struct TaskChecker {
    let sink: DiagnosticSink
    let dropped: DroppedNames

    func check(_ t: TaskTemplate) {
        let path = "tasks.\(t.name)"
        // Inputs dropped for a bad type were reported; they still count as declared here.
        let inputs = t.interface.inputs.map(\.name) + dropped.all(under: "\(path).inputs").sorted()
        let types = Dictionary(t.interface.inputs.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        if case .container(let c) = t.runtime {
            let argv = c.command + c.args
            checkPlaceholders(c.command, "\(path).command", inputs, types: types, argv: argv, offset: 0)
            checkPlaceholders(c.args, "\(path).args", inputs, types: types, argv: argv, offset: c.command.count)
        }
        if let revert = t.revert {
            checkPlaceholders(revert.command, "\(path).revert.command", inputs, types: types, argv: revert.command, offset: 0)
        }
        for (k, name) in (t.cache?.ignore ?? []).enumerated() where !inputs.contains(name) {
            sink.report(.unknownReference, path: "\(path).cache.ignore[\(k)]",
                        "cache.ignore names '\(name)', which is not an input of task '\(t.name)'\(Suggest.hint(name, inputs))")
        }
        if case .pod(let spec, let primary) = t.runtime {
            let names = Self.containerNames(spec)
            if !names.contains(primary) {
                sink.report(.invalidValue, path: "\(path).pod",
                            "the pod has no container named '\(primary)' (primary_container); containers: \(names.isEmpty ? "none" : names.joined(separator: ", "))")
            }
        }
    }

    private func checkPlaceholders(_ parts: [String], _ path: String, _ inputs: [String], types: [String: LiteralType],
                                   argv: [String], offset: Int) {
        for (i, part) in parts.enumerated() {
            let interpreter = CommandTemplate.interpreter(of: argv, at: offset + i)
            for inner in Placeholders.names(in: part) {
                let (name, filter) = CommandTemplate.split(inner)
                if let filter, CommandTemplate.Filter(rawValue: filter) == nil {
                    let known = CommandTemplate.Filter.allCases.map(\.rawValue)
                    sink.report(.invalidValue, path: "\(path)[\(i)]",
                                "unknown filter '\(filter)' in '{{\(inner)}}'\(Suggest.hint(filter, known)); expected shell (one sh word) or json (a JSON literal)")
                    continue
                }
                if name.hasPrefix("inputs."), inputs.contains(String(name.dropFirst(7))) {
                    let input = String(name.dropFirst(7))
                    if let interpreter, filter == nil, Self.mayCarryCode(types[input]) {
                        let fix = interpreter.hasPrefix("python") || interpreter == "node" || interpreter == "ruby" || interpreter == "perl" ? "json" : "shell"
                        sink.warn(.unquotedInput, path: "\(path)[\(i)]",
                                  "input '\(input)' is spliced unquoted into \(interpreter) source text: a value such as x'; id; echo ' would run as code; write {{inputs.\(input) | \(fix)}} (quoted for \(fix == "json" ? "code" : "sh")) or read it from $SLUICE_INPUTS")
                    }
                    continue
                }
                let wanted = name.hasPrefix("inputs.") ? String(name.dropFirst(7)) : name
                let known = inputs.isEmpty ? "the task declares no inputs" : "its inputs: \(inputs.joined(separator: ", "))"
                sink.report(.unknownReference, path: "\(path)[\(i)]",
                            "unknown placeholder '{{\(name)}}'\(Suggest.hint(wanted, inputs)); expected {{inputs.NAME}} naming an input of the task; \(known) (a literal {{ is written {{ '{{' }})")
            }
        }
    }

    /// Whether a value of this type can hold text that reads as code: numbers and booleans cannot.
    static func mayCarryCode(_ type: LiteralType?) -> Bool {
        switch type {
        case .int?, .float?, .bool?, .duration?, .none?: false
        case .optional(let t)?: mayCarryCode(t)
        case .enumeration(let cases)?: cases.contains { !$0.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) } }
        default: true
        }
    }

    private static func containerNames(_ spec: LiteralValue) -> [String] {
        guard case .map(let m) = spec, case .list(let containers)? = m["containers"] else { return [] }
        return containers.compactMap { c in
            if case .map(let cm) = c, case .string(let n)? = cm["name"] { return n }
            return nil
        }
    }
}
