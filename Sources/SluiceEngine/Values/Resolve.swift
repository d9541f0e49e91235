import SluiceModel

/// Turns bindings into values by reading the run's state.
struct Resolver {
    let ctx: StepContext
    let scope: String
    /// The current map item, for `.item` references.
    var item: (name: String, value: LiteralValue)?
    /// error.* fields, for the failure node.
    var failure: Failure?

    struct Unresolved: Error { var message: String }

    func value(_ b: Binding) throws(Unresolved) -> LiteralValue {
        switch b {
        case .literal(let v): return v
        case .list(let items): return .list(try items.map { b throws(Unresolved) in try value(b) })
        case .map(let entries):
            var out: [String: LiteralValue] = [:]
            for (k, v) in entries { out[k] = try value(v) }
            return .map(out)
        case .reference(let r): return try value(r)
        }
    }

    func value(_ r: Reference) throws(Unresolved) -> LiteralValue {
        switch r {
        case .input(let name):
            guard let v = ctx.state.header.scopes[scope]?.inputs[name] else {
                throw Unresolved(message: "workflow input '\(name)' has no value")
            }
            return v
        case .output(let node, let name):
            guard let n = ctx.node(scope + node) else { throw Unresolved(message: "node '\(node)' has not run") }
            guard let outputs = n.outputs else { throw Unresolved(message: "node '\(node)' has no outputs (\(n.phase.rawValue))") }
            return outputs[name] ?? .none
        case .item(let name):
            guard let item, item.name == name else { throw Unresolved(message: "no map item named '\(name)'") }
            return item.value
        case .failure(let field):
            switch field {
            case "message": return .string(failure?.message ?? "")
            case "node": return .string(failure?.node ?? "")
            default: return .string(failure?.kind.rawValue ?? "")
            }
        }
    }

    /// Resolves typed bindings and coerces each value to its declared type.
    func inputs(_ bindings: [TypedBinding]) throws(Unresolved) -> [String: LiteralValue] {
        var out: [String: LiteralValue] = [:]
        for b in bindings {
            let raw = try value(b.binding)
            switch ValueCoding.coerce(raw, to: b.type) {
            case .success(let v): out[b.name] = v
            case .failure(let why): throw Unresolved(message: "input '\(b.name)': expected \(b.type) but \(why)")
            }
        }
        return out
    }

    /// Evaluates a branch condition on resolved values.
    func evaluate(_ c: Condition) throws(Unresolved) -> Bool {
        switch c {
        case .and(let cs):
            for x in cs where !(try evaluate(x)) { return false }
            return true
        case .or(let cs):
            for x in cs where try evaluate(x) { return true }
            return false
        case .not(let x): return !(try evaluate(x))
        case .value(let o):
            if case .bool(let b) = try operand(o) { return b }
            return false
        case .compare(let l, let op, let r):
            return Comparison.holds(try operand(l), op, try operand(r))
        }
    }

    private func operand(_ o: Operand) throws(Unresolved) -> LiteralValue {
        switch o {
        case .literal(let v): return v
        case .reference(let r): return try value(r)
        }
    }
}

/// Compares typed values the way conditions read: numbers across int/float, durations and text.
enum Comparison {
    static func holds(_ l: LiteralValue, _ op: ComparisonOperator, _ r: LiteralValue) -> Bool {
        switch op {
        case .equal: return equal(l, r)
        case .notEqual: return !equal(l, r)
        default:
            guard let order = compare(l, r) else { return false }
            switch op {
            case .less: return order < 0
            case .lessOrEqual: return order <= 0
            case .greater: return order > 0
            default: return order >= 0
            }
        }
    }

    static func equal(_ l: LiteralValue, _ r: LiteralValue) -> Bool {
        if let c = compare(l, r) { return c == 0 }
        return l == r
    }

    private static func number(_ v: LiteralValue) -> Double? {
        switch v {
        case .int(let i): Double(i)
        case .float(let d): d
        default: nil
        }
    }

    private static func compare(_ l: LiteralValue, _ r: LiteralValue) -> Int? {
        if let a = number(l), let b = number(r) { return a < b ? -1 : (a > b ? 1 : 0) }
        switch (l, r) {
        case (.duration(let a), .duration(let b)): return a < b ? -1 : (a > b ? 1 : 0)
        case (.duration(let a), .string(let s)), (.string(let s), .duration(let a)):
            guard let b = try? DurationValue(parsing: s) else { return nil }
            let (x, y) = { if case .duration = l { (a, b) } else { (b, a) } }()
            return x < y ? -1 : (x > y ? 1 : 0)
        case (.string(let a), .string(let b)), (.datetime(let a), .datetime(let b)), (.datetime(let a), .string(let b)),
             (.string(let a), .datetime(let b)):
            return a < b ? -1 : (a > b ? 1 : 0)
        default: return nil
        }
    }
}
