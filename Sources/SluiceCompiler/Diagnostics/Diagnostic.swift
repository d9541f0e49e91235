
/// What kind of mistake a diagnostic reports; tools match on the raw value.
public enum DiagnosticCode: String, Sendable, Hashable, Codable {
    case syntax = "syntax"
    case unknownKey = "unknown-key"
    case wrongShape = "wrong-shape"
    case missingKey = "missing-key"
    case invalidValue = "invalid-value"
    case invalidName = "invalid-name"
    case invalidType = "invalid-type"
    case invalidDuration = "invalid-duration"
    case invalidQuantity = "invalid-quantity"
    case invalidCondition = "invalid-condition"
    case unknownReference = "unknown-reference"
    case typeMismatch = "type-mismatch"
    case duplicateID = "duplicate-id"
    case missingInput = "missing-input"
    case unboundOutput = "unbound-output"
    case cycle = "cycle"
    case resources = "resources"
    case unreachable = "unreachable"
    /// The chosen backend cannot honour the field.
    case unsupported = "unsupported"
    /// (Warning) an input lands unquoted in interpreter source text (`sh -c`, `python -c`).
    case unquotedInput = "unquoted-input"
}

/// One mistake in a flow file: where it is, which field, and what was expected.
public struct Diagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    public var code: DiagnosticCode
    public var file: String
    public var line: Int
    public var column: Int
    /// The field path inside the document, e.g. `nodes[3].inputs.epochs`; empty for the whole file.
    public var path: String
    public var message: String

    public init(_ code: DiagnosticCode, at location: Location, path: String, _ message: String, file: String = "") {
        self.code = code
        self.file = file
        self.line = location.line
        self.column = location.column
        self.path = path
        self.message = message
    }

    public var location: Location { Location(line: line, column: column) }

    /// `FILE:LINE:COL: PATH: message`, as `sluice validate` prints it.
    public var description: String {
        let place = "\(file.isEmpty ? "<input>" : file):\(line):\(column)"
        return path.isEmpty ? "\(place): \(message)" : "\(place): \(path): \(message)"
    }
}

/// Collects diagnostics for one file, locating paths in its source tree.
final class DiagnosticSink {
    private(set) var diagnostics: [Diagnostic] = []
    /// Probable mistakes that do not stop the flow, in the order found.
    private(set) var warnings: [Diagnostic] = []
    let root: SourceNode?
    let file: String

    init(root: SourceNode?, file: String) {
        self.root = root
        self.file = file
    }

    var isEmpty: Bool { diagnostics.isEmpty }

    /// Reports at an explicit location.
    func report(_ code: DiagnosticCode, at location: Location, path: String, _ message: String) {
        diagnostics.append(Diagnostic(code, at: location, path: path, message, file: file))
    }

    /// Reports at the place `path` names in the source.
    func report(_ code: DiagnosticCode, path: String, _ message: String) {
        let location = root?.locate(path) ?? Location(line: 1, column: 1)
        report(code, at: location, path: path, message)
    }

    /// Notes a probable mistake at the place `path` names; it does not stop the flow.
    func warn(_ code: DiagnosticCode, path: String, _ message: String) {
        let location = root?.locate(path) ?? Location(line: 1, column: 1)
        warnings.append(Diagnostic(code, at: location, path: path, message, file: file))
    }

    /// Reports at the key of the entry `path` names (for a name that is wrong, rather than its value).
    func report(_ code: DiagnosticCode, atKeyOf path: String, _ message: String) {
        let location = root?.locate(path, key: true) ?? Location(line: 1, column: 1)
        report(code, at: location, path: path, message)
    }

    /// The most diagnostics one file shows; past it, one line says how many more there are.
    static let limit = 1_000

    /// The diagnostics in file order, exact duplicates removed, at most `limit` of them and a line counting the rest.
    func sorted() -> [Diagnostic] {
        var seen = Set<Diagnostic>()
        let all = diagnostics.filter { seen.insert($0).inserted }
            .sorted { ($0.line, $0.column, $0.path) < ($1.line, $1.column, $1.path) }
        guard all.count > Self.limit else { return all }
        let next = all[Self.limit]
        let more = Diagnostic(next.code, at: next.location, path: "",
                              "… and \(all.count - Self.limit) more errors (only the first \(Self.limit) are shown)", file: file)
        return Array(all.prefix(Self.limit)) + [more]
    }
}

/// Suggests the closest known word for a misspelled one.
public enum Suggest {
    /// The candidate nearest to `word` by edit distance, when it is close enough to be a likely typo.
    /// Names shorter than `minimumLength` are all near each other (`x`, `y`, `t`), so they get no suggestion;
    /// the file format's own keys pass 2, so `fi` still suggests `if`.
    public static func closest(to word: String, in candidates: [String], minimumLength: Int = 3) -> String? {
        let w = Array(word.lowercased())
        guard w.count >= minimumLength else { return nil }
        var best: (String, Int)?
        for c in candidates where c.count >= minimumLength {
            let d = distance(w, Array(c.lowercased()))
            if d <= max(1, min(3, c.count / 3)), d < (best?.1 ?? Int.max) { best = (c, d) }
        }
        return best?.0
    }

    /// " (did you mean 'x'?)" or "".
    public static func hint(_ word: String, _ candidates: [String]) -> String {
        closest(to: word, in: candidates).map { " (did you mean '\($0)'?)" } ?? ""
    }

    /// Optimal-string-alignment distance: a swap of two neighbours counts as one edit ("ipnuts" -> "inputs").
    private static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
