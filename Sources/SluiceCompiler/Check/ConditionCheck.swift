import SluiceModel

extension WorkflowChecker {
    /// Type-checks a branch condition: comparisons need comparable types, bare values must be bool.
    func check(_ c: Condition, _ path: String, _ scope: BindingScope, _ deps: inout Set<Int>) {
        switch c {
        case .and(let cs), .or(let cs): cs.forEach { check($0, path, scope, &deps) }
        case .not(let inner): check(inner, path, scope, &deps)
        case .value(let o):
            if let t = operandType(o, path, scope, &deps), !LiteralType.bool.accepts(t.unwrapped) || t.isOptional {
                sink.report(.typeMismatch, path: path, "'\(o)' is \(t), but a condition needs a bool; compare it, e.g. \(o) == ...")
            }
        case .compare(let l, let op, let r):
            guard let lt = operandType(l, path, scope, &deps), let rt = operandType(r, path, scope, &deps) else { return }
            if let problem = Self.comparisonProblem(l, lt, op, r, rt) {
                sink.report(.typeMismatch, path: path, problem)
            }
        }
    }

    /// Why `l op r` cannot be evaluated, or nil when it can.
    static func comparisonProblem(_ l: Operand, _ lt: LiteralType, _ op: ComparisonOperator,
                                  _ r: Operand, _ rt: LiteralType) -> String? {
        if let p = literalProblem(literal: r, against: l, lt, op) ?? literalProblem(literal: l, against: r, rt, op) { return p }
        // A quoted literal may stand for a duration, datetime or enum case when the other side has that type.
        if case .literal(let v) = r, fits(v, lt.unwrapped) { return fitsOrdering(lt, op) ? nil : cannot(l, lt, op, r, rt) }
        if case .literal(let v) = l, fits(v, rt.unwrapped) { return fitsOrdering(rt, op) ? nil : cannot(l, lt, op, r, rt) }
        let ok = op.isOrdering ? lt.isOrderable(with: rt) : lt.isEquatable(with: rt)
        return ok ? nil : cannot(l, lt, op, r, rt)
    }

    /// The mistakes a literal makes against a typed reference: null against a non-optional, a case an enum lacks.
    private static func literalProblem(literal: Operand, against other: Operand, _ t: LiteralType, _ op: ComparisonOperator) -> String? {
        guard case .literal(let v) = literal, case .reference = other else { return nil }
        if v == .none, !op.isOrdering, !t.isOptional, t != .json {
            return "'\(other)' (\(t)) is never null; only an optional input or output (\(t)?) can be compared with null"
        }
        if case .enumeration(let cases) = t.unwrapped, case .string(let s) = v, !cases.contains(s) {
            return "'\(other)' (\(t)) is never '\(s)'; its cases are \(cases.joined(separator: ", "))"
        }
        return nil
    }

    /// Whether a condition literal stands for a value of `t`. Unlike bindings, a number or boolean is not text:
    /// `inputs.s == 3` with `s: string` is a mistake, not a comparison with "3".
    private static func fits(_ v: LiteralValue, _ t: LiteralType) -> Bool {
        guard t != .json else { return false }
        if case .string = v { return conformance(v, to: t) == nil }
        return t.accepts(v.inferredType)
    }

    private static func fitsOrdering(_ t: LiteralType, _ op: ComparisonOperator) -> Bool {
        !op.isOrdering || t.isOrderable(with: t)
    }

    private static func cannot(_ l: Operand, _ lt: LiteralType, _ op: ComparisonOperator, _ r: Operand, _ rt: LiteralType) -> String {
        let how = op.isOrdering ? "ordered with '\(op.rawValue)'" : "compared with '\(op.rawValue)'"
        return "'\(l)' (\(lt)) and '\(r)' (\(rt)) cannot be \(how)"
    }

    private func operandType(_ o: Operand, _ path: String, _ scope: BindingScope, _ deps: inout Set<Int>) -> LiteralType? {
        switch o {
        case .reference(let r): return typeOf(r, path, scope, &deps)
        case .literal(let v): return v.inferredType
        }
    }
}
