import SluiceModel

extension FlowDecoder {
    /// A node input's value: an unquoted `inputs.NAME`, `NODE.OUTPUT` or item name is a reference;
    /// quoted text, numbers, booleans and null are literals; lists and mappings nest bindings.
    /// JSON quotes every string, so there a string is a reference only when it is `inputs.NAME`, `error.FIELD`,
    /// `NODE.OUTPUT` with NODE a node of the workflow, or the map's item name; any other string is text.
    func binding(_ node: SourceNode, _ path: String, item: String? = nil) -> Binding? {
        switch node {
        case .sequence(let items, _):
            let parts = items.enumerated().map { binding($1, Self.index(path, $0), item: item) }
            guard parts.allSatisfy({ $0 != nil }) else { return nil }
            let bound = parts.map { $0! }
            if bound.allSatisfy({ if case .literal = $0 { true } else { false } }) {
                return .literal(.list(bound.map { if case .literal(let v) = $0 { v } else { .none } }))
            }
            return .list(bound)
        case .mapping(let pairs, _):
            var out: [String: Binding] = [:]
            var ok = true
            for (k, v) in pairs {
                if let b = binding(v, Self.join(path, k.text), item: item) { out[k.text] = b } else { ok = false }
            }
            guard ok else { return nil }
            if out.values.allSatisfy({ if case .literal = $0 { true } else { false } }) {
                return .literal(.map(out.mapValues { if case .literal(let v) = $0 { v } else { .none } }))
            }
            return .map(out)
        case .scalar(let s):
            if s.quoted && isJSON, let r = Self.parseReference(s.text) {
                switch r {
                case .item(let name) where name != item: return .literal(.string(s.text))
                case .output(let node, _) where !jsonNodeIDs.contains(node): return .literal(.string(s.text))
                default: return .reference(r)
                }
            }
            if s.quoted || s.plainValue != .text { return .literal(Self.untyped(node)) }
            switch Self.parseReference(s.text) {
            case .some(let r): return .reference(r)
            case .none:
                if s.text.contains(".") && !s.text.contains(" ") && !s.text.contains("/") && !s.text.contains(":") {
                    sink.report(.unknownReference, at: s.location, path: path,
                                "'\(s.text)' is not a reference: expected inputs.NAME or NODE.OUTPUT; quote it to pass it as text")
                    return nil
                }
                return .literal(.string(s.text))
            }
        }
    }

    /// Reads `inputs.x`, `error.message`, `node.out` or a bare name; nil when the text is not reference-shaped.
    static func parseReference(_ text: String) -> Reference? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.allSatisfy(isIdentifier) else { return nil }
        if parts.count == 1 { return .item(text) }
        let head = String(parts[0]), tail = String(parts[1])
        switch head {
        case "inputs": return .input(tail)
        case "error": return .failure(tail)
        default: return .output(node: head, name: tail)
        }
    }

    static func isIdentifier(_ s: Substring) -> Bool {
        guard let f = s.first, f.isASCII, f.isLetter || f == "_" else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    /// A node's `inputs:` mapping, in file order.
    func inputBindings(_ node: SourceNode, _ path: String, item: String? = nil) -> [InputBinding] {
        guard let f = fields(node, path, known: [], what: "input bindings (name: reference or value)") else { return [] }
        return f.order.compactMap { name in
            guard let b = binding(f[name]!, f.path(name), item: item) else {
                dropped.insert(name, under: path)
                return nil
            }
            return InputBinding(name: name, binding: b)
        }
    }
}
