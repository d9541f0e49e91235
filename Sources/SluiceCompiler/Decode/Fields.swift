import SluiceModel

/// A mapping of the flow file whose keys were checked against the ones allowed in its place.
struct Fields {
    let path: String
    let location: Location
    let entries: [String: (key: SourceScalar, value: SourceNode)]
    /// Keys in the order the file gives them.
    let order: [String]

    subscript(_ key: String) -> SourceNode? { entries[key]?.value }
    func has(_ key: String) -> Bool { entries[key] != nil }
    func path(_ key: String) -> String { FlowDecoder.join(path, key) }
    /// A scalar value as the file spells it (`0`, not `0.0`), for messages that echo a number back.
    func numberText(_ key: String) -> String { self[key]?.scalar?.text ?? "" }
}

extension FlowDecoder {
    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    static func index(_ path: String, _ i: Int) -> String { "\(path)[\(i)]" }

    /// Reads a mapping, reporting unknown keys (with a suggestion) and a value of the wrong shape.
    func fields(_ node: SourceNode, _ path: String, known: [String], what: String) -> Fields? {
        guard case .mapping(let pairs, let location) = node else {
            wrongShape(node, path, expected: "a mapping (\(what))")
            return nil
        }
        var entries: [String: (key: SourceScalar, value: SourceNode)] = [:]
        entries.reserveCapacity(pairs.count)
        var order: [String] = []
        order.reserveCapacity(pairs.count)
        for (key, value) in pairs {
            if !known.isEmpty, !known.contains(key.text) {
                let suggestion = Suggest.closest(to: key.text, in: known, minimumLength: 2)
                let hint = suggestion.map { "did you mean '\($0)'?" } ?? "expected one of \(known.joined(separator: ", "))"
                // What the misspelled key meant to hold was reported with it: nothing in it is "missing" too.
                if let meant = suggestion { dropped.insert(DroppedNames.everything, under: Self.join(path, meant)) }
                sink.report(.unknownKey, at: key.location, path: Self.join(path, key.text),
                            "unknown key '\(key.text)' in \(what); \(hint)")
                continue
            }
            entries[key.text] = (key, value)
            order.append(key.text)
        }
        return Fields(path: path, location: location, entries: entries, order: order)
    }

    /// Runs `read` and tells whether it reported anything: a key that is there but malformed was reported as such,
    /// and a later "missing" report about it would repeat the mistake.
    func reporting<T>(_ read: () -> T) -> (T, reported: Bool) {
        let before = sink.diagnostics.count
        let value = read()
        return (value, sink.diagnostics.count > before)
    }

    func wrongShape(_ node: SourceNode, _ path: String, expected: String) {
        sink.report(.wrongShape, at: node.location, path: path, "expected \(expected) but found \(node.kindDescription)")
    }

    func missing(_ f: Fields, _ key: String, _ what: String) {
        sink.report(.missingKey, at: f.location, path: f.path, "missing required key '\(key)' (\(what))")
    }

    /// Any scalar as text (numbers and booleans keep their spelling); nil and a report otherwise.
    func text(_ node: SourceNode, _ path: String, what: String = "text") -> String? {
        guard let s = node.scalar, !(s.plainValue == .null) else {
            wrongShape(node, path, expected: what)
            return nil
        }
        return s.text
    }

    func string(_ f: Fields, _ key: String, required: String? = nil) -> String? {
        guard let node = f[key] else {
            if let what = required { missing(f, key, what) }
            return nil
        }
        return text(node, f.path(key))
    }

    func int(_ f: Fields, _ key: String, minimum: Int? = nil) -> Int? {
        guard let node = f[key] else { return nil }
        guard case .int(let i) = node.scalar?.plainValue else {
            wrongShape(node, f.path(key), expected: "a whole number")
            return nil
        }
        if let m = minimum, i < m {
            sink.report(.invalidValue, at: node.location, path: f.path(key), "must be at least \(m) (found \(f.numberText(key)))")
            return nil
        }
        return i
    }

    func double(_ f: Fields, _ key: String) -> Double? {
        guard let node = f[key] else { return nil }
        switch node.scalar?.plainValue {
        case .int(let i): return Double(i)
        case .float(let d): return d
        default:
            wrongShape(node, f.path(key), expected: "a number")
            return nil
        }
    }

    func bool(_ f: Fields, _ key: String) -> Bool? {
        guard let node = f[key] else { return nil }
        guard case .bool(let b) = node.scalar?.plainValue else {
            wrongShape(node, f.path(key), expected: "true or false")
            return nil
        }
        return b
    }

    func duration(_ node: SourceNode, _ path: String) -> DurationValue? {
        guard let t = text(node, path, what: "a duration such as 30s, 10m or 1h30m") else { return nil }
        if let s = node.scalar, case .int(let n) = s.plainValue {
            sink.report(.invalidDuration, at: node.location, path: path,
                        "invalid duration \"\(t)\": a number needs a unit; write \(n)s, \(n)m or \(n)h")
            return nil
        }
        do { return try DurationValue(parsing: t) } catch {
            sink.report(.invalidDuration, at: node.location, path: path, error.description)
            return nil
        }
    }

    func duration(_ f: Fields, _ key: String) -> DurationValue? {
        f[key].flatMap { duration($0, f.path(key)) }
    }

    /// A list of text items; a lone string is refused because splitting it would guess at quoting.
    func stringList(_ f: Fields, _ key: String) -> [String]? {
        guard let node = f[key] else { return nil }
        guard case .sequence(let items, _) = node else {
            let hint = node.scalar != nil ? " (write it as a list, e.g. [sh, -c, \"...\"])" : ""
            wrongShape(node, f.path(key), expected: "a list of strings\(hint)")
            return nil
        }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            if let t = text(item, Self.index(f.path(key), i)) { out.append(t) }
        }
        return out
    }

    /// A mapping of text to text (labels, annotations).
    func stringMap(_ f: Fields, _ key: String) -> [String: String] {
        guard let node = f[key], let m = fields(node, f.path(key), known: [], what: key) else { return [:] }
        var out: [String: String] = [:]
        for k in m.order {
            if let v = text(m[k]!, m.path(k)) { out[k] = v }
        }
        return out
    }

    /// Environment variables as a mapping or as a list of `{name, value}`.
    func env(_ f: Fields, _ key: String) -> [EnvVar] {
        guard let node = f[key] else { return [] }
        if case .sequence(let items, _) = node {
            return items.enumerated().compactMap { i, item in
                let p = Self.index(f.path(key), i)
                guard let e = fields(item, p, known: ["name", "value"], what: "an environment variable"),
                      let name = string(e, "name", required: "the variable's name") else { return nil }
                return EnvVar(name: name, value: string(e, "value") ?? "")
            }
        }
        guard let m = fields(node, f.path(key), known: [], what: "environment variables") else { return [] }
        return m.order.compactMap { k in text(m[k]!, m.path(k)).map { EnvVar(name: k, value: $0) } }
    }

    /// Reports a name that would be refused as a Kubernetes object name.
    func checkDNSLabel(_ name: String, at location: Location, _ path: String, what: String) {
        if let problem = KubernetesName.dns1123LabelProblem(name) {
            sink.report(.invalidName, at: location, path: path,
                        "invalid \(what) '\(name)': \(problem) (it becomes part of Kubernetes object names)")
        }
    }

    /// Reports a name that cannot be used as an input or output name (`[A-Za-z_][A-Za-z0-9_]*`).
    func checkVariableName(_ name: String, at location: Location, _ path: String, what: String) {
        let ok = name.first.map { $0.isASCII && ($0.isLetter || $0 == "_") } == true
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        if !ok {
            sink.report(.invalidName, at: location, path: path,
                        "invalid \(what) '\(name)': use letters, digits and '_', starting with a letter or '_'")
        }
    }
}
