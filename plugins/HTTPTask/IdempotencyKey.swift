import SluiceModel
import SluicePlugin

/// `idempotency_key`: the template of the `Idempotency-Key` header an http task sends. Its value is the same for every
/// attempt of one node of one run (`{{run}}`, `{{node}}`, `{{inputs.NAME}}`; never the attempt's number), so an
/// attempt repeated after a controller crash sends the key the interrupted one sent, and a server that honours the
/// header applies the request once. That is what makes the task's POST or PATCH safe to repeat.
struct IdempotencyKey: Sendable {
    enum Part: Sendable, Hashable { case text(String), input(String), run, node }

    static let header = "Idempotency-Key"
    var parts: [Part]

    /// Reads the template at `path`; nil with the problems in `reader`.
    static func read(_ text: String, at path: String, _ interface: Interface, _ reader: inout ConfigReader) -> IdempotencyKey? {
        let before = reader.problems.count
        let template = InputTemplate(text)
        reader.checkInputs(template, at: path, interface)
        var parts: [Part] = []
        for part in template.parts {
            switch part {
            case .input(let n): parts.append(.input(n))
            case .text(let t): parts += textParts(t, at: path, &reader)
            }
        }
        if reader.problems.count == before, !parts.contains(where: { if case .text = $0 { false } else { true } }) {
            reader.report(path, "a key without {{run}}, {{node}} or {{inputs.NAME}} is the same for every run, so the server would take "
                          + "every run's request for the first; write e.g. \"{{run}}-{{node}}\"")
        }
        return reader.problems.count == before ? IdempotencyKey(parts: parts) : nil
    }

    /// `{{run}}` and `{{node}}` in literal text; any other `{{...}}` is an error.
    private static func textParts(_ text: String, at path: String, _ reader: inout ConfigReader) -> [Part] {
        var out: [Part] = []
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{"), let close = rest[open.upperBound...].firstRange(of: "}}") {
            if open.lowerBound > rest.startIndex { out.append(.text(String(rest[..<open.lowerBound]))) }
            let name = rest[open.upperBound..<close.lowerBound].filter { $0 != " " }
            switch name {
            case "run": out.append(.run)
            case "node": out.append(.node)
            case "attempt":
                reader.report(path, "'{{attempt}}' cannot be part of an idempotency key: an attempt repeated after a crash is a new "
                              + "attempt, and it must send the key the interrupted one sent; use {{run}} and {{node}}")
            default:
                reader.report(path, "'{{\(name)}}' is not a part of an idempotency key; it may use {{run}}, {{node}} and {{inputs.NAME}}",
                              word: String(name), known: ["run", "node"])
            }
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { out.append(.text(String(rest))) }
        return out
    }

    /// The key for one attempt: inputs as plain text, the run's id and the node's id.
    func render(_ attempt: PluginAttempt) -> String {
        parts.map { part in
            switch part {
            case .text(let t): t
            case .input(let n): InputTemplate.plainText(attempt.inputs[n] ?? .none)
            case .run: attempt.runID
            case .node: attempt.node
            }
        }.joined()
    }
}
