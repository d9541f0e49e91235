import SluiceModel

/// What a binding may refer to where it stands.
struct BindingScope {
    var itemName: String?
    var itemType: LiteralType?
    var inFailureNode = false

    static let plain = BindingScope()
}

extension WorkflowChecker {
    /// The type a reference yields, recording the node it depends on; nil (and a report) when it does not resolve.
    func typeOf(_ ref: Reference, _ path: String, _ scope: BindingScope, _ deps: inout Set<Int>) -> LiteralType? {
        switch ref {
        case .input(let name):
            if let p = template.interface.input(name) { return p.type }
            if dropped.contains(name, under: FlowDecoder.join(source.path, "inputs")) { return nil }
            let names = template.interface.inputs.map(\.name)
            sink.report(.unknownReference, path: path,
                        "unknown workflow input 'inputs.\(name)'\(Suggest.hint(name, names))\(names.isEmpty ? "; the flow declares no inputs" : "; declared: \(names.joined(separator: ", "))")")
            return nil
        case .output(let node, let name):
            guard let i = nodeIndex[node] else {
                if source.failedNodeIDs.contains(node) { return nil }  // the node's own error was reported
                let hint = Suggest.hint(node, Array(nodeIndex.keys).sorted())
                sink.report(.unknownReference, path: path, "'\(ref)' refers to node '\(node)', which does not exist\(hint)")
                return nil
            }
            deps.insert(i)
            let outputs = outputsOf(i)
            if let v = outputs.first(where: { $0.name == name }) { return v.type }
            if outputState[i] == .failed || droppedOutputs(ofNode: i).contains(name) { return nil }
            let names = outputs.map(\.name)
            sink.report(.unknownReference, path: path,
                        "node '\(node)' has no output '\(name)'\(Suggest.hint(name, names)); \(names.isEmpty ? "it has no outputs" : "its outputs: \(names.joined(separator: ", "))")")
            return nil
        case .item(let name):
            if name == scope.itemName, let t = scope.itemType { return t }
            if name == scope.itemName { return nil }
            var hint = "; to pass the text, quote it: \"\(name)\""
            if let item = scope.itemName { hint = "; the map's item is '\(item)'" + hint }
            if nodeIndex[name] != nil { hint = "; to use node '\(name)', name one of its outputs: \(name).OUTPUT" }
            sink.report(.unknownReference, path: path,
                        "unknown name '\(name)': expected inputs.NAME, NODE.OUTPUT\(scope.itemName != nil ? ", the map item" : "") or a literal\(hint)")
            return nil
        case .failure(let field):
            guard scope.inFailureNode else {
                sink.report(.unknownReference, path: path, "'\(ref)' is only available to the on_failure node")
                return nil
            }
            if ["message", "node", "kind"].contains(field) { return .string }
            sink.report(.unknownReference, path: path, "unknown failure field '\(field)'; expected error.message, error.node or error.kind")
            return nil
        }
    }

    /// Outputs of node `i` that were declared but dropped for a type that does not parse.
    private func droppedOutputs(ofNode i: Int) -> Set<String> {
        switch template.nodes[i].kind {
        case .task(let t): return dropped.all(under: "tasks.\(t).outputs")
        case .map(let m): return dropped.all(under: "tasks.\(m.task).outputs")
        case .dynamic: return dropped.all(under: FlowDecoder.join(path(ofNode: i), "outputs"))
        default: return []
        }
    }

    /// Infers a binding's type (for outputs and approve gates, which declare none).
    func inferType(_ b: Binding, _ path: String, _ scope: BindingScope, _ deps: inout Set<Int>) -> LiteralType? {
        switch b {
        case .reference(let r): return typeOf(r, path, scope, &deps)
        case .literal(let v): return v.inferredType
        case .list(let items):
            var types: [LiteralType] = []
            for (i, item) in items.enumerated() {
                guard let t = inferType(item, "\(path)[\(i)]", scope, &deps) else { return nil }
                types.append(t)
            }
            return .list(common(types))
        case .map(let entries):
            var types: [LiteralType] = []
            for k in entries.keys.sorted() {
                guard let t = inferType(entries[k]!, "\(path).\(k)", scope, &deps) else { return nil }
                types.append(t)
            }
            return .map(common(types))
        }
    }

    private func common(_ types: [LiteralType]) -> LiteralType {
        guard var c = types.first else { return .none }
        for t in types.dropFirst() where !c.accepts(t) {
            if t.accepts(c) { c = t } else { return .json }
        }
        return c
    }

    /// Checks that `b` fits `expected`, reporting the first mismatch with both types.
    func check(_ b: Binding, against expected: LiteralType, _ path: String, _ scope: BindingScope, _ deps: inout Set<Int>) {
        switch b {
        case .reference(let r):
            guard let t = typeOf(r, path, scope, &deps) else { return }
            if !expected.accepts(t) {
                sink.report(.typeMismatch, path: path, "expected \(expected) but '\(r)' is \(t)")
            }
        case .literal(let v):
            if let problem = Self.conformance(v, to: expected) {
                sink.report(.typeMismatch, path: path + problem.subpath, problem.message)
            }
        case .list(let items):
            guard let element = Self.element(of: expected, list: true) else {
                sink.report(.typeMismatch, path: path, "expected \(expected) but found a list")
                return
            }
            for (i, item) in items.enumerated() { check(item, against: element, "\(path)[\(i)]", scope, &deps) }
        case .map(let entries):
            guard let element = Self.element(of: expected, list: false) else {
                sink.report(.typeMismatch, path: path, "expected \(expected) but found a mapping")
                return
            }
            for k in entries.keys.sorted() { check(entries[k]!, against: element, "\(path).\(k)", scope, &deps) }
        }
    }

    private static func element(of t: LiteralType, list: Bool) -> LiteralType? {
        switch t {
        case .json: return .json
        case .optional(let inner): return element(of: inner, list: list)
        case .list(let e) where list: return e
        case .map(let e) where !list: return e
        default: return nil
        }
    }

    /// Why a literal value does not fit a type, or nil when it does.
    static func conformance(_ v: LiteralValue, to t: LiteralType) -> (subpath: String, message: String)? {
        func no(_ what: String) -> (String, String) { ("", "expected \(what) but found \(v)") }
        switch (t, v) {
        case (.json, _): return nil
        case (.optional, .none): return nil
        case (.optional(let inner), _): return conformance(v, to: inner)
        case (.none, .none): return nil
        case (.int, .int), (.float, .int), (.float, .float), (.string, .string), (.bool, .bool): return nil
        case (.string, .int), (.string, .float), (.string, .bool): return nil
        case (.duration, .duration), (.datetime, .datetime), (.blob, .blob): return nil
        case (.duration, .string(let s)): return (try? DurationValue(parsing: s)) == nil ? no("a duration such as 30s") : nil
        case (.datetime, .string(let s)): return DateTimeText.isValid(s) ? nil : no("an RFC 3339 datetime")
        case (.blob, .string): return nil
        case (.enumeration(let cases), .string(let s)): return cases.contains(s) ? nil : no("one of \(cases.joined(separator: ", "))")
        case (.list(let e), .list(let items)):
            for (i, item) in items.enumerated() {
                if let p = conformance(item, to: e) { return ("[\(i)]" + p.subpath, p.message) }
            }
            return nil
        case (.map(let e), .map(let entries)):
            for k in entries.keys.sorted() {
                if let p = conformance(entries[k]!, to: e) { return (".\(k)" + p.subpath, p.message) }
            }
            return nil
        default: return no("\(t)")
        }
    }
}
