/// The type of a value that flows between tasks: a scalar, a collection, an optional or an enum.
public indirect enum LiteralType: Sendable, Hashable, CustomStringConvertible {
    case int, float, string, bool, datetime, duration, json, blob, none
    case list(LiteralType)
    case map(LiteralType)
    case optional(LiteralType)
    case enumeration([String])

    /// The flow-file spelling: `list<map<int>>`, `string?`, `enum(a|b)`.
    public var description: String {
        switch self {
        case .int: "int"
        case .float: "float"
        case .string: "string"
        case .bool: "bool"
        case .datetime: "datetime"
        case .duration: "duration"
        case .json: "json"
        case .blob: "blob"
        case .none: "none"
        case .list(let t): "list<\(t)>"
        case .map(let t): "map<\(t)>"
        case .optional(let t): "\(t)?"
        case .enumeration(let cases): "enum(\(cases.joined(separator: "|")))"
        }
    }

    /// The element type of a list, or nil for other types.
    public var listElement: LiteralType? {
        if case .list(let e) = self { return e }
        return nil
    }

    /// The type without its optional marker.
    public var unwrapped: LiteralType {
        if case .optional(let t) = self { return t.unwrapped }
        return self
    }

    public var isOptional: Bool {
        if case .optional = self { return true }
        return self == .none
    }

    /// Whether a value of type `source` may be bound where `self` is expected.
    /// Widening allowed: int to float, enum to string, anything to json, T to T?, none to T?.
    public func accepts(_ source: LiteralType) -> Bool {
        if self == source { return true }
        switch (self, source) {
        case (.json, _): return true
        case (.optional(let t), .optional(let s)): return t.accepts(s)
        case (.optional, .none): return true
        case (.optional(let t), _): return t.accepts(source)
        case (.float, .int): return true
        case (.string, .enumeration): return true
        case (.enumeration(let mine), .enumeration(let theirs)): return Set(theirs).isSubset(of: Set(mine))
        case (.list(let t), .list(let s)): return t.accepts(s)
        case (.map(let t), .map(let s)): return t.accepts(s)
        default: return false
        }
    }

    /// Whether `==`/`!=` may compare values of the two types; `none` (null) compares only with an optional.
    public func isEquatable(with other: LiteralType) -> Bool {
        let a = unwrapped, b = other.unwrapped
        if self == .none { return other.isOptional }
        if other == .none { return isOptional }
        return a.accepts(b) || b.accepts(a)
    }

    /// Whether `<`, `<=`, `>`, `>=` may compare values of the two types.
    public func isOrderable(with other: LiteralType) -> Bool {
        let ordered: Set<LiteralType> = [.int, .float, .string, .datetime, .duration]
        let a = unwrapped, b = other.unwrapped
        guard !isOptional, !other.isOptional, ordered.contains(a) || ordered.contains(b) else { return false }
        if (a == .int || a == .float) && (b == .int || b == .float) { return true }
        return a == b
    }
}

extension LiteralType: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            self = try LiteralType(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(error)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// Why a type expression did not parse; `offset` counts characters from the start of the text.
public struct TypeSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var text: String
    public var offset: Int
    public var reason: String
    public var description: String { "invalid type \"\(text)\": \(reason)" }
}

extension LiteralType {
    /// Parses the flow-file spelling of a type.
    public init(parsing text: String) throws(TypeSyntaxError) {
        var parser = TypeParser(text: text)
        self = try parser.parseWhole()
    }
}

/// Recursive-descent parser for type expressions.
private struct TypeParser {
    let text: String
    let chars: [Character]
    var pos = 0

    init(text: String) {
        self.text = text
        self.chars = Array(text)
    }

    static let scalars: [String: LiteralType] = [
        "int": .int, "integer": .int, "float": .float, "string": .string, "str": .string, "bool": .bool,
        "boolean": .bool, "datetime": .datetime, "duration": .duration, "json": .json, "blob": .blob,
        "none": .none,
    ]

    mutating func parseWhole() throws(TypeSyntaxError) -> LiteralType {
        skipSpaces()
        let t = try parseType()
        skipSpaces()
        if pos < chars.count { throw fail("unexpected '\(chars[pos])'") }
        return t
    }

    mutating func parseType() throws(TypeSyntaxError) -> LiteralType {
        let start = pos
        let word = readWord()
        var t: LiteralType
        switch word {
        case "list", "map":
            try expect("<")
            let inner = try parseType()
            try expect(">")
            t = word == "list" ? .list(inner) : .map(inner)
        case "enum":
            try expect("(")
            var cases: [String] = []
            repeat {
                skipSpaces()
                let caseStart = pos
                let c = readWord(allowDash: true)
                if c.isEmpty { throw fail("expected an enum case name") }
                if cases.contains(c) { throw fail("enum case '\(c)' appears twice", at: caseStart) }
                cases.append(c)
                skipSpaces()
            } while consume("|")
            try expect(")")
            t = .enumeration(cases)
        case "":
            throw fail(pos < chars.count ? "unexpected '\(chars[pos])'" : "expected a type")
        default:
            guard let s = Self.scalars[word] else {
                pos = start
                throw fail("unknown type '\(word)'; expected one of int, float, string, bool, datetime, duration, json, blob, none, list<T>, map<T>, enum(a|b), T?")
            }
            t = s
        }
        skipSpaces()
        while true {
            let markStart = pos
            guard consume("?") else { break }
            if case .optional = t { throw fail("'?' appears twice", at: markStart) }
            t = .optional(t)
            skipSpaces()
        }
        return t
    }

    mutating func readWord(allowDash: Bool = false) -> String {
        skipSpaces()
        let start = pos
        while pos < chars.count, chars[pos].isLetter || chars[pos].isNumber || chars[pos] == "_" || (allowDash && chars[pos] == "-") {
            pos += 1
        }
        return String(chars[start..<pos])
    }

    mutating func skipSpaces() {
        while pos < chars.count, chars[pos] == " " { pos += 1 }
    }

    mutating func consume(_ c: Character) -> Bool {
        skipSpaces()
        if pos < chars.count, chars[pos] == c { pos += 1; return true }
        return false
    }

    mutating func expect(_ c: Character) throws(TypeSyntaxError) {
        if !consume(c) {
            throw fail(pos < chars.count ? "expected '\(c)' but found '\(chars[pos])'" : "expected '\(c)' at the end")
        }
    }

    /// An error at `offset` (where the offending token starts), or at the current position.
    func fail(_ reason: String, at offset: Int? = nil) -> TypeSyntaxError {
        TypeSyntaxError(text: text, offset: offset ?? pos, reason: reason)
    }
}
