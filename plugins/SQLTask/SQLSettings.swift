import SluiceModel
import SluicePlugin

/// A sql task's `config`, read and checked.
struct SQLSettings: Sendable {
    /// What the task's one output receives.
    enum Result: Sendable {
        /// No output: the statement runs for its effect.
        case none
        /// Every row, as a list of objects keyed by column name.
        case rows(name: String)
        /// The first column of the first row; `optional` allows no row (null).
        case scalar(name: String, optional: Bool)
    }

    /// Where the database is: a path in the config, or a secret holding it.
    enum Database: Sendable {
        case path(String)
        case secret(name: String, key: String?)
    }

    /// Where the statement runs: in the controller (libpq or SQLite), or in a pod running `psql` (postgres only).
    enum Place: String, Sendable {
        case controller, pod
    }

    static let keys = ["dialect", "database", "statement", "timeout", "run_in", "image"]
    static let dialects = ["sqlite", "postgres"]
    /// The image with `psql` a `run_in: pod` task runs in, unless the task names one.
    static let defaultImage = "postgres:17"

    var dialect = "sqlite"
    var database = Database.path("")
    var statement = SQLStatement(InputTemplate(""))
    var timeout: Duration?
    var result = Result.none
    var place = Place.controller
    var image = SQLSettings.defaultImage
    /// The statement as written, for the pod's psql.
    var template = InputTemplate("")

    static func read(_ task: PluginTask, _ reader: inout ConfigReader) -> SQLSettings? {
        guard let m = reader.mapping(task.config, at: "", known: keys, required: ["dialect", "database", "statement"],
                                     what: "a sql task's config") else { return nil }
        let before = reader.problems.count
        var s = SQLSettings()
        s.dialect = reader.choice(m, "dialect", at: "", dialects) ?? s.dialect
        switch m["database"] {
        case .string(let path)?: s.database = .path(path)
        case .map(let dm)?:
            if let f = reader.mapping(.map(dm), at: "database", known: ["secret", "key"], required: ["secret"], what: "a database from a secret"),
               let ref = reader.secretRef(f, at: "database") {
                s.database = .secret(name: ref.name, key: ref.key)
            }
        case let other?: reader.report("database", "expected the database (a file path for sqlite, a connection string for postgres) or {secret: NAME, key: KEY}, found \(other)")
        case nil: break
        }
        if let text = reader.string(m, "statement", at: "") {
            let t = InputTemplate(text)
            s.template = t
            reader.checkInputs(t, at: "statement", task.interface)
            s.statement = SQLStatement(t, numbered: s.dialect == "postgres" ? "$" : "?")
            for name in s.statement.quotedInputs {
                reader.report("statement", "'{{inputs.\(name)}}' is inside quotes; write it bare: inputs are bound as parameters, never pasted into the text")
            }
            if text.allSatisfy({ $0.isWhitespace }) { reader.report("statement", "the statement is empty") }
        }
        s.timeout = reader.duration(m, "timeout", at: "")
        s.result = result(task.interface, &reader)
        place(m, &s, &reader)
        return reader.problems.count == before ? s : nil
    }

    /// `run_in` and `image`: a pod runs `psql`, so only PostgreSQL, and its output comes from one JSON query.
    private static func place(_ m: [String: LiteralValue], _ s: inout SQLSettings, _ reader: inout ConfigReader) {
        if let text = reader.choice(m, "run_in", at: "", ["controller", "pod"]) { s.place = Place(rawValue: text) ?? .controller }
        if let image = reader.string(m, "image", at: "") {
            if s.place != .pod { reader.report("image", "'image' is the image of a run_in: pod task; this task runs in the controller") }
            else if image.isEmpty || image.contains(where: \.isWhitespace) { reader.report("image", "'\(image)' is not an image reference") }
            else { s.image = image }
        }
        guard s.place == .pod else { return }
        if s.dialect != "postgres" {
            reader.report("run_in", "run_in: pod runs psql, so it needs dialect: postgres (a sqlite file is on the controller's disk)")
        }
        if s.timeout != nil {
            reader.report("timeout", "a run_in: pod task is stopped by the task's own 'timeout', not the config's")
        }
        if case .none = s.result { return }
        if !ReadOnlyStatement.words(s.template.render([:], { _ in "null" })).contains(where: { ["select", "values", "returning"].contains($0) }) {
            reader.report("statement", "a run_in: pod task with an output needs a statement that returns rows (a query, or RETURNING)")
        }
    }

    private static func result(_ interface: Interface, _ reader: inout ConfigReader) -> Result {
        guard let out = interface.outputs.first else { return .none }
        if interface.outputs.count > 1 {
            reader.report("", "a sql task fills one output (rows or a scalar); this task declares \(interface.outputs.count)")
        }
        var type = out.type
        var optional = false
        if case .optional(let t) = type { type = t; optional = true }
        switch type {
        case .list, .json: return .rows(name: out.name)
        case .int, .float, .string, .bool: return .scalar(name: out.name, optional: optional)
        default:
            reader.report("", "output '\(out.name)' is \(out.type); a sql task gives rows (list<json>, or json) or a scalar (int, float, string, bool)")
            return .none
        }
    }
}

/// A statement whose `{{inputs.NAME}}` references become numbered parameters (`?1` in SQLite, `$1` in
/// PostgreSQL), each input one
/// number however often it is used, with a map from positions in the prepared text back to the written one.
struct SQLStatement: Sendable {
    /// The text handed to the database.
    var text = ""
    /// Parameter `i + 1` is input `parameters[i]`.
    var parameters: [String] = []
    /// Inputs written inside a quoted string, where they would be a literal and not a parameter.
    var quotedInputs: [String] = []
    /// (offset in `text`, offset in the written statement) at the start of each piece, for error positions.
    private var pieces: [(prepared: Int, written: Int)] = []

    init(_ template: InputTemplate, numbered prefix: String = "?") {
        parameters = template.inputNames
        var written = 0
        var inQuote = false
        for part in template.parts {
            pieces.append((text.utf8.count, written))
            switch part {
            case .text(let t):
                text += t
                written += t.utf8.count
                for c in t.utf8 where c == UInt8(ascii: "'") { inQuote.toggle() }
            case .input(let name):
                text += "\(prefix)\(parameters.firstIndex(of: name)! + 1)"
                written += "{{inputs.\(name)}}".utf8.count
                if inQuote, !quotedInputs.contains(name) { quotedInputs.append(name) }
            }
        }
    }

    /// The position in the written statement of byte `offset` of the prepared text.
    func writtenOffset(_ offset: Int) -> Int {
        guard let piece = pieces.last(where: { $0.prepared <= offset }) else { return offset }
        return piece.written + (offset - piece.prepared)
    }
}
