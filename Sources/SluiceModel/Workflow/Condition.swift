/// A side of a comparison: a reference or a literal.
public enum Operand: Sendable, Hashable, Codable, CustomStringConvertible {
    case reference(Reference)
    case literal(LiteralValue)

    public var description: String {
        switch self {
        case .reference(let r): r.description
        case .literal(let v): v.description
        }
    }
}

/// A comparison operator of a branch condition.
public enum ComparisonOperator: String, Sendable, Hashable, Codable, CaseIterable {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="

    /// Whether the operator needs an ordering (`<` and friends) rather than equality.
    public var isOrdering: Bool { self != .equal && self != .notEqual }
}

/// A typed boolean expression tree deciding a branch.
public indirect enum Condition: Sendable, Hashable, Codable, CustomStringConvertible {
    case compare(Operand, ComparisonOperator, Operand)
    case and([Condition])
    case or([Condition])
    case not(Condition)
    /// A bare boolean value: `inputs.dry_run`, `true`.
    case value(Operand)

    /// Every reference the condition reads.
    public var references: [Reference] {
        switch self {
        case .compare(let l, _, let r): [l, r].compactMap { if case .reference(let x) = $0 { x } else { nil } }
        case .and(let cs), .or(let cs): cs.flatMap(\.references)
        case .not(let c): c.references
        case .value(.reference(let r)): [r]
        case .value: []
        }
    }

    /// A readable rendering, parenthesised where needed.
    public var description: String {
        switch self {
        case .compare(let l, let op, let r): "\(l) \(op.rawValue) \(r)"
        case .and(let cs): cs.map { $0.isCompound ? "(\($0))" : "\($0)" }.joined(separator: " and ")
        case .or(let cs): cs.map { $0.isCompound ? "(\($0))" : "\($0)" }.joined(separator: " or ")
        case .not(let c): c.isCompound ? "not (\(c))" : "not \(c)"
        case .value(let o): o.description
        }
    }

    private var isCompound: Bool {
        switch self {
        case .and, .or: true
        default: false
        }
    }
}
