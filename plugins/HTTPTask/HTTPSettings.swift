import SluiceModel
import SluicePlugin

/// An http task's `config`, read and checked.
struct HTTPSettings: Sendable {
    /// A header's value: text (which may use inputs) or a secret.
    enum HeaderValue: Sendable {
        case text(InputTemplate)
        case secret(name: String, key: String?, prefix: String)
    }

    static let keys = ["method", "url", "headers", "body", "expect", "timeout", "field", "idempotency_key"]
    static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]

    var method = "GET"
    var url = InputTemplate("")
    var headers: [(name: String, value: HeaderValue)] = []
    /// The JSON body template (nil: no body).
    var body: LiteralValue?
    var expect: [Int] = Array(200...299)
    var timeout: Duration = .seconds(30)
    /// Methods whose repetition has the effect of one request (RFC 9110, 9.2.2): an interrupted one may run again.
    static let idempotentMethods: Set<String> = ["GET", "HEAD", "PUT", "DELETE"]

    /// The secrets the headers read, with their paths below `config`.
    var secrets: [PluginSecret] {
        headers.compactMap { name, value in
            guard case .secret(let secret, let key, _) = value else { return nil }
            return PluginSecret(path: "headers.\(name).secret", SecretRef(name: secret, key: key))
        }
    }

    /// The `Idempotency-Key` header's template (nil: none is sent).
    var idempotencyKey: IdempotencyKey?

    /// Where the output is in a JSON response (nil: the whole body).
    var field: JSONField?
    /// The one output the response fills, if the task declares one.
    var output: Variable?

    /// Reads `task`'s config; nil with `reader.problems` telling why.
    static func read(_ task: PluginTask, _ reader: inout ConfigReader) -> HTTPSettings? {
        guard let m = reader.mapping(task.config, at: "", known: keys, required: ["url"], what: "an http task's config") else { return nil }
        var s = HTTPSettings()
        let before = reader.problems.count
        if let method = m["method"] {
            if case .string(let text) = method, methods.contains(text.uppercased()) { s.method = text.uppercased() } else {
                reader.report("method", "'\(InputTemplate.plainText(method))' is not an HTTP method this task sends",
                              word: InputTemplate.plainText(method).uppercased(), known: methods)
            }
        }
        if let url = reader.string(m, "url", at: "") {
            s.url = InputTemplate(url)
            let startsWithInput = { if case .input? = s.url.parts.first { true } else { false } }()
            if !startsWithInput, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                reader.report("url", "the URL must start with http:// or https:// (found '\(url)')")
            }
            reader.checkInputs(s.url, at: "url", task.interface)
        }
        if let h = m["headers"] { s.headers = headers(h, task, &reader) }
        if let body = m["body"] {
            s.body = body
            checkBody(body, at: "body", task.interface, &reader)
            if s.method == "GET" || s.method == "HEAD" { reader.report("body", "a \(s.method) request sends no body; use POST, PUT or PATCH") }
        }
        if let e = m["expect"] { s.expect = expect(e, &reader) }
        s.timeout = reader.duration(m, "timeout", at: "") ?? s.timeout
        if let f = reader.string(m, "field", at: "") {
            if let parsed = JSONField(f) { s.field = parsed } else {
                reader.report("field", "'\(f)' is not a field path; write it as data.items[0].id")
            }
        }
        if let key = reader.string(m, "idempotency_key", at: "") {
            s.idempotencyKey = IdempotencyKey.read(key, at: "idempotency_key", task.interface, &reader)
            if let given = s.headers.first(where: { $0.name.lowercased() == IdempotencyKey.header.lowercased() }) {
                reader.report("headers.\(given.name)", "'idempotency_key' sends the \(IdempotencyKey.header) header; remove this one or that key")
            }
        }
        switch task.interface.outputs.count {
        case 0, 1: s.output = task.interface.outputs.first
        default:
            reader.report("", "an http task fills one output with the response; this task declares \(task.interface.outputs.count)")
        }
        if s.field != nil, s.output == nil { reader.report("field", "'field' picks the output from the response, but the task declares no output") }
        return reader.problems.count == before ? s : nil
    }

    private static func headers(_ value: LiteralValue, _ task: PluginTask, _ reader: inout ConfigReader) -> [(String, HeaderValue)] {
        guard case .map(let m) = value else {
            reader.report("headers", "expected a mapping of header names to values")
            return []
        }
        var out: [(String, HeaderValue)] = []
        for name in m.keys.sorted() {
            let path = "headers." + name
            if name.isEmpty || name.contains(where: { $0 == ":" || $0 == " " || $0.isNewline }) {
                reader.report(path, "'\(name)' is not a header name")
                continue
            }
            switch m[name]! {
            case .string(let text):
                let t = InputTemplate(text)
                reader.checkInputs(t, at: path, task.interface)
                out.append((name, .text(t)))
            case .map(let sm):
                guard let f = reader.mapping(.map(sm), at: path, known: ["secret", "key", "prefix"], required: ["secret"],
                                             what: "a header from a secret"),
                      let ref = reader.secretRef(f, at: path) else { continue }
                out.append((name, .secret(name: ref.name, key: ref.key, prefix: reader.string(f, "prefix", at: path) ?? "")))
            default:
                reader.report(path, "a header is text or {secret: NAME, key: KEY, prefix: TEXT}")
            }
        }
        return out
    }

    private static func checkBody(_ value: LiteralValue, at path: String, _ interface: Interface, _ reader: inout ConfigReader) {
        switch value {
        case .string(let s): reader.checkInputs(InputTemplate(s), at: path, interface)
        case .list(let items): for (i, v) in items.enumerated() { checkBody(v, at: "\(path)[\(i)]", interface, &reader) }
        case .map(let m): for (k, v) in m { checkBody(v, at: ConfigReader.join(path, k), interface, &reader) }
        default: break
        }
    }

    private static func expect(_ value: LiteralValue, _ reader: inout ConfigReader) -> [Int] {
        let items: [LiteralValue]
        if case .list(let l) = value { items = l } else { items = [value] }
        var codes: [Int] = []
        for (i, item) in items.enumerated() {
            if case .int(let c) = item, (100...599).contains(c) { codes.append(c) } else {
                reader.report(items.count == 1 && !(value.isList) ? "expect" : "expect[\(i)]", "expected an HTTP status code from 100 to 599, found \(item)")
            }
        }
        return codes
    }
}

extension LiteralValue {
    fileprivate var isList: Bool { if case .list = self { true } else { false } }
}
