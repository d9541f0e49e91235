import SluiceModel

extension FlowDecoder {
    /// A type expression such as `list<int>`; errors point at the offending character.
    func type(_ node: SourceNode, _ path: String) -> LiteralType? {
        guard let t = text(node, path, what: "a type such as int, string, list<float>") else { return nil }
        do { return try LiteralType(parsing: t) } catch {
            let s = node.scalar!
            let column = s.location.column + error.offset + (s.quoted ? 1 : 0)
            sink.report(.invalidType, at: Location(line: s.location.line, column: column), path: path, error.description)
            return nil
        }
    }

    /// Declared inputs: `name: type` or `name: {type, default, description}`.
    func parameters(_ node: SourceNode, _ path: String, what: String) -> [Parameter] {
        guard let f = fields(node, path, known: [], what: what) else { return [] }
        var out: [Parameter] = []
        for name in f.order {
            let p = f.path(name)
            checkVariableName(name, at: f.entries[name]!.key.location, p, what: "input name")
            guard let (t, d) = declaration(f[name]!, p, known: ["type", "default", "description"], noun: "input",
                                           example: "int") else {
                dropped.insert(name, under: path)
                continue
            }
            let def = d?["default"].flatMap { literal($0, t, d!.path("default")) }
            out.append(Parameter(name: name, type: t, defaultValue: def, description: d.flatMap { string($0, "description") }))
        }
        return out
    }

    /// Declared outputs: `name: type` or `name: {type, description}`.
    func variables(_ node: SourceNode, _ path: String, what: String) -> [Variable] {
        guard let f = fields(node, path, known: [], what: what) else { return [] }
        var out: [Variable] = []
        for name in f.order {
            let p = f.path(name)
            checkVariableName(name, at: f.entries[name]!.key.location, p, what: "output name")
            guard let (t, d) = declaration(f[name]!, p, known: ["type", "description"], noun: "output", example: "float") else {
                dropped.insert(name, under: path)
                continue
            }
            out.append(Variable(name: name, type: t, description: d.flatMap { string($0, "description") }))
        }
        return out
    }

    /// The type of one declaration, written `type` or `{type, ...}`, with the mapping's fields in the second form.
    private func declaration(_ value: SourceNode, _ path: String, known: [String], noun: String,
                             example: String) -> (LiteralType, Fields?)? {
        guard case .mapping = value else { return type(value, path).map { ($0, nil) } }
        guard let d = fields(value, path, known: known, what: "an \(noun) declaration") else { return nil }
        guard let typeNode = d["type"] else {
            missing(d, "type", "the \(noun)'s type, e.g. \(example)")
            return nil
        }
        return type(typeNode, d.path("type")).map { ($0, d) }
    }

    /// A literal of the flow file read as a value of `type`; reports what was expected when it does not fit.
    func literal(_ node: SourceNode, _ type: LiteralType, _ path: String) -> LiteralValue? {
        switch Self.coerce(node, to: type) {
        case .success(let v): return v
        case .failure(let problem):
            sink.report(.typeMismatch, at: problem.location, path: path + problem.subpath, problem.message)
            return nil
        }
    }

    struct LiteralProblem: Error {
        var location: Location
        var subpath: String
        var message: String
    }

    /// Converts source text to a typed value without reporting, so bindings can reuse it.
    static func coerce(_ node: SourceNode, to type: LiteralType) -> Result<LiteralValue, LiteralProblem> {
        func fail(_ expected: String) -> Result<LiteralValue, LiteralProblem> {
            .failure(LiteralProblem(location: node.location, subpath: "", message: "expected \(expected) but found \(node.kindDescription)"))
        }
        switch (type, node) {
        case (.json, _): return .success(untyped(node))
        case (.optional, _) where node.isNull: return .success(.none)
        case (.none, _): return node.isNull ? .success(.none) : fail("null (type none)")
        case (.optional(let t), _): return coerce(node, to: t)
        case (.list(let e), .sequence(let items, _)):
            var out: [LiteralValue] = []
            for (i, item) in items.enumerated() {
                switch coerce(item, to: e) {
                case .success(let v): out.append(v)
                case .failure(var p): p.subpath = "[\(i)]" + p.subpath; return .failure(p)
                }
            }
            return .success(.list(out))
        case (.map(let e), .mapping(let pairs, _)):
            var out: [String: LiteralValue] = [:]
            for (k, v) in pairs {
                switch coerce(v, to: e) {
                case .success(let x): out[k.text] = x
                case .failure(var p): p.subpath = ".\(k.text)" + p.subpath; return .failure(p)
                }
            }
            return .success(.map(out))
        case (.list, _): return fail("a list (\(type))")
        case (.map, _): return fail("a mapping (\(type))")
        case (_, .scalar(let s)): return coerceScalar(s, to: type, fail: fail)
        default: return fail("a value of type \(type)")
        }
    }

    private static func coerceScalar(_ s: SourceScalar, to type: LiteralType,
                                     fail: (String) -> Result<LiteralValue, LiteralProblem>) -> Result<LiteralValue, LiteralProblem> {
        let plain = s.plainValue
        switch type {
        case .int:
            if case .int(let i) = plain { return .success(.int(i)) }
            return fail("an int")
        case .float:
            if case .int(let i) = plain { return .success(.float(Double(i))) }
            if case .float(let d) = plain { return .success(.float(d)) }
            return fail("a float")
        case .bool:
            if case .bool(let b) = plain { return .success(.bool(b)) }
            return fail("true or false")
        case .string:
            return plain == .null ? fail("a string") : .success(.string(s.text))
        case .blob:
            return plain == .null ? fail("a blob URI") : .success(.blob(s.text))
        case .datetime:
            return DateTimeText.isValid(s.text) ? .success(.datetime(s.text)) : fail("a datetime in RFC 3339 form (2026-01-31T12:00:00Z)")
        case .duration:
            if let d = try? DurationValue(parsing: s.text) { return .success(.duration(d)) }
            return fail("a duration such as 30s, 10m or 1h30m")
        case .enumeration(let cases):
            return cases.contains(s.text) ? .success(.string(s.text)) : fail("one of \(cases.joined(separator: ", "))")
        default:
            return fail("a value of type \(type)")
        }
    }

    /// The value of a node read without a declared type (json).
    static func untyped(_ node: SourceNode) -> LiteralValue {
        switch node {
        case .sequence(let items, _): return .list(items.map(untyped))
        case .mapping(let pairs, _):
            var out: [String: LiteralValue] = [:]
            for (k, v) in pairs { out[k.text] = untyped(v) }
            return .map(out)
        case .scalar(let s):
            switch s.plainValue {
            case .null: return .none
            case .bool(let b): return .bool(b)
            case .int(let i): return .int(i)
            case .float(let d): return .float(d)
            case .text: return .string(s.text)
            }
        }
    }
}

/// RFC 3339 date-time checks without Foundation's formatters (which vary by platform).
enum DateTimeText {
    /// Whether `s` reads as `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
    static func isValid(_ s: String) -> Bool {
        let c = Array(s.utf8)
        func digits(_ r: Range<Int>) -> Int? {
            guard r.upperBound <= c.count else { return nil }
            var v = 0
            for i in r {
                guard c[i] >= 48, c[i] <= 57 else { return nil }
                v = v * 10 + Int(c[i] - 48)
            }
            return v
        }
        guard let _ = digits(0..<4), c.count >= 10, c[4] == 45, c[7] == 45,
              let mo = digits(5..<7), (1...12).contains(mo), let d = digits(8..<10), (1...31).contains(d) else { return false }
        if c.count == 10 { return true }
        guard c.count >= 20, c[10] == 84 || c[10] == 116 || c[10] == 32, let h = digits(11..<13), h < 24, c[13] == 58,
              let mi = digits(14..<16), mi < 60, c[16] == 58, let sec = digits(17..<19), sec <= 60 else { return false }
        var i = 19
        if c[i] == 46 {
            i += 1
            let start = i
            while i < c.count, c[i] >= 48, c[i] <= 57 { i += 1 }
            if i == start { return false }
        }
        if i < c.count, c[i] == 90 || c[i] == 122 { return i + 1 == c.count }
        guard i + 6 == c.count, c[i] == 43 || c[i] == 45, let oh = digits(i + 1..<i + 3), oh < 24, c[i + 3] == 58,
              let om = digits(i + 4..<i + 6), om < 60 else { return false }
        return true
    }
}
