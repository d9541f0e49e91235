/// A value that flows between tasks. Encodes as plain JSON; its `LiteralType` travels beside it.
public indirect enum LiteralValue: Sendable, Hashable {
    case int(Int)
    case float(Double)
    case string(String)
    case bool(Bool)
    case none
    case datetime(String)
    case duration(DurationValue)
    case blob(String)
    case list([LiteralValue])
    case map([String: LiteralValue])

    /// The most specific type this value has on its own (lists of mixed values are `list<json>`).
    public var inferredType: LiteralType {
        switch self {
        case .int: .int
        case .float: .float
        case .string: .string
        case .bool: .bool
        case .none: .none
        case .datetime: .datetime
        case .duration: .duration
        case .blob: .blob
        case .list(let items): .list(Self.commonType(items.map(\.inferredType)))
        case .map(let entries): .map(Self.commonType(entries.keys.sorted().map { entries[$0]!.inferredType }))
        }
    }

    /// The narrowest type that accepts every one of `types` (json when they disagree, none when empty).
    static func commonType(_ types: [LiteralType]) -> LiteralType {
        guard var common = types.first else { return .none }
        for t in types.dropFirst() where !common.accepts(t) {
            if t.accepts(common) {
                common = t
            } else if t == .none {
                common = .optional(common)
            } else if common == .none {
                common = .optional(t)
            } else {
                return .json
            }
        }
        return common
    }
}

extension LiteralValue: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .none
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .float(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let l = try? c.decode([LiteralValue].self) {
            self = .list(l)
        } else {
            self = .map(try c.decode([String: LiteralValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let v): try c.encode(v)
        case .float(let v): try c.encode(v)
        case .string(let v), .datetime(let v), .blob(let v): try c.encode(v)
        case .bool(let v): try c.encode(v)
        case .none: try c.encodeNil()
        case .duration(let d): try c.encode(d.description)
        case .list(let v): try c.encode(v)
        case .map(let v): try c.encode(v)
        }
    }
}

extension LiteralValue: CustomStringConvertible {
    /// A short rendering for messages: strings quoted, collections in JSON-like form.
    public var description: String {
        switch self {
        case .int(let v): String(v)
        case .float(let v): String(v)
        case .string(let v): "\"\(v)\""
        case .bool(let v): String(v)
        case .none: "null"
        case .datetime(let v), .blob(let v): v
        case .duration(let d): d.description
        case .list(let v): "[" + v.map(\.description).joined(separator: ", ") + "]"
        case .map(let v): "{" + v.keys.sorted().map { "\($0): \(v[$0]!)" }.joined(separator: ", ") + "}"
        }
    }
}
