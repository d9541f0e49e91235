
/// A line and column in a flow file, both counted from 1.
public struct Location: Sendable, Hashable, Codable, Comparable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (a: Location, b: Location) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
}

/// A scalar of the flow file with its text, whether it was quoted, and where it stands.
struct SourceScalar: Sendable {
    var text: String
    var quoted: Bool
    var location: Location

    /// The YAML 1.2 core-schema reading of an unquoted scalar (quoted ones are always text).
    var plainValue: PlainValue {
        if quoted { return .text }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if let i = Int(text) { return .int(i) }
        if looksNumeric(text), let d = Double(text), d.isFinite { return .float(d) }
        return .text
    }

    enum PlainValue: Equatable {
        case null, bool(Bool), int(Int), float(Double), text
    }

    private func looksNumeric(_ s: String) -> Bool {
        guard let first = s.first else { return false }
        return first.isNumber || first == "-" || first == "+" || first == "."
    }
}

/// The flow file as a tree of positioned values, read from YAML or JSON.
indirect enum SourceNode: Sendable {
    case scalar(SourceScalar)
    case mapping([(key: SourceScalar, value: SourceNode)], Location)
    case sequence([SourceNode], Location)

    var location: Location {
        switch self {
        case .scalar(let s): s.location
        case .mapping(_, let l), .sequence(_, let l): l
        }
    }

    /// What the node is, for messages: "a mapping", "a list", "the text \"x\"", "the number 3".
    var kindDescription: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let s):
            switch s.plainValue {
            case .null: return "nothing (null)"
            case .bool(let b): return "the boolean \(b)"
            case .int, .float: return "the number \(s.text)"
            case .text: return "the text \"\(s.text.count > 40 ? String(s.text.prefix(40)) + "…" : s.text)\""
            }
        }
    }

    var scalar: SourceScalar? {
        if case .scalar(let s) = self { return s }
        return nil
    }

    var isNull: Bool { scalar?.plainValue == .null }

    /// The location of the value at `path` (`nodes[3].inputs.x`), or of the deepest part of it that exists;
    /// with `key`, the location of the key that holds it when there is one.
    func locate(_ path: String, key: Bool = false) -> Location {
        var node = self
        var keyLocation: Location?
        for segment in PathSegments(path) {
            switch (segment, node) {
            case (.key(let k), .mapping(let entries, _)):
                guard let e = entries.first(where: { $0.key.text == k }) else { return keyLocation ?? node.location }
                keyLocation = e.key.location
                node = e.value
            case (.index(let i), .sequence(let items, _)) where i < items.count:
                keyLocation = nil
                node = items[i]
            default:
                return keyLocation ?? node.location
            }
        }
        // A null value has no useful position of its own: point at its key.
        if node.isNull || key, let k = keyLocation { return k }
        return node.location
    }
}

/// Splits `a.b[2].c` into keys and indices.
struct PathSegments: Sequence, IteratorProtocol {
    enum Segment { case key(String), index(Int) }
    private var rest: Substring

    init(_ path: String) { rest = path[...] }

    mutating func next() -> Segment? {
        while rest.first == "." { rest = rest.dropFirst() }
        guard let first = rest.first else { return nil }
        if first == "[" {
            let close = rest.firstIndex(of: "]") ?? rest.endIndex
            let number = Int(rest[rest.index(after: rest.startIndex)..<close]) ?? 0
            rest = close < rest.endIndex ? rest[rest.index(after: close)...] : ""
            return .index(number)
        }
        let end = rest.firstIndex { $0 == "." || $0 == "[" } ?? rest.endIndex
        let key = String(rest[..<end])
        rest = rest[end...]
        return .key(key)
    }
}

/// Reads YAML or JSON text into a `SourceNode` tree.
enum SourceReader {
    struct DiagnosticError: Error {
        var diagnostic: Diagnostic
    }

    /// Parses `text`; a syntax error comes back as a diagnostic with the parser's position.
    static func read(_ text: String) -> Result<SourceNode?, DiagnosticError> {
        YAMLComposer.compose(text).mapError { f in
            DiagnosticError(diagnostic: Diagnostic(.syntax, at: f.location, path: f.path, f.message))
        }
    }
}
