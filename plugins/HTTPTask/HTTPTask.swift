import SluiceKube
import SluiceModel
import SluicePlugin
import Synchronization

/// `type: http`: one HTTP request from the controller, its JSON body built from the task's inputs, its response
/// (the body, or one field of it) the task's output. A 5xx or a failed connection is a retryable failure under
/// the task's `retries`; a status the task does not expect otherwise fails the node.
public struct HTTPTask: TaskPlugin {
    public let type = "http"
    private let transport = LazyTransport()

    public init() {}

    public func check(_ task: PluginTask) -> [ConfigProblem] {
        var reader = ConfigReader()
        _ = HTTPSettings.read(task, &reader)
        return reader.problems
    }

    /// GET, HEAD, PUT and DELETE may run again after an interruption; a POST or PATCH only with an `idempotency_key`,
    /// which the repeat sends unchanged.
    public func repeatSafety(_ task: PluginTask) -> RepeatSafety {
        var reader = ConfigReader()
        let s = HTTPSettings.read(task, &reader)
        let method = s?.method ?? "POST"
        if s?.idempotencyKey != nil, !HTTPSettings.idempotentMethods.contains(method) {
            return RepeatSafety(isSafe: true, effect: "a \(method) request with an \(IdempotencyKey.header)")
        }
        return RepeatSafety(isSafe: HTTPSettings.idempotentMethods.contains(method), effect: "a \(method) request")
    }

    public func secrets(_ task: PluginTask) -> [PluginSecret] {
        var reader = ConfigReader()
        return HTTPSettings.read(task, &reader)?.secrets ?? []
    }

    public func run(_ attempt: PluginAttempt) async throws(PluginFailure) -> [String: LiteralValue] {
        var reader = ConfigReader()
        guard let s = HTTPSettings.read(attempt.task, &reader) else {
            throw .permanent("invalid config: " + reader.problems.map { "\($0.path): \($0.message)" }.joined(separator: "; "))
        }
        let request = try HTTPRequest(method: s.method, url: Self.url(s.url, attempt.inputs),
                                      headers: headers(s, attempt), body: s.body.map { Self.body($0, attempt.inputs) },
                                      timeout: s.timeout, connectTimeout: min(s.timeout, .seconds(10)))
        let response: HTTPResponse
        do {
            response = try await transport.get().send(request)
        } catch let e as TransportError {
            if e.kind == .cancelled || Task.isCancelled { throw .cancelled }
            let what = e.kind == .timeout ? "no response within \(s.timeout)" : e.message
            throw .retryable("\(s.method) \(request.url): \(what)")
        } catch {
            if Task.isCancelled { throw .cancelled }
            throw .retryable("\(s.method) \(request.url): \(error)")
        }
        let text = String(decoding: response.body, as: UTF8.self)
        guard s.expect.contains(response.status) else {
            let message = "\(s.method) \(request.url) answered \(response.status), expected \(Self.describe(s.expect))\(Self.excerpt(text))"
            throw response.status >= 500 ? .retryable(message) : .permanent(message)
        }
        guard let output = s.output else { return [:] }
        return [output.name: try Self.output(text, s, output)]
    }

    private func headers(_ s: HTTPSettings, _ attempt: PluginAttempt) throws(PluginFailure) -> [(name: String, value: String)] {
        var out: [(name: String, value: String)] = []
        for (name, value) in s.headers {
            let text: String
            switch value {
            case .text(let t): text = t.render(attempt.inputs, InputTemplate.plainText)
            case .secret(let secret, let key, let prefix): text = prefix + (try attempt.secret(secret, key))
            }
            // A value with a line break would start a header (or a body) of its own.
            guard !text.contains(where: \.isNewline) else { throw .permanent("header '\(name)' would contain a line break") }
            out.append((name, text))
        }
        if let key = s.idempotencyKey {
            let text = key.render(attempt)
            guard !text.contains(where: \.isNewline) else { throw .permanent("the \(IdempotencyKey.header) header would contain a line break") }
            out.append((IdempotencyKey.header, text))
        }
        if s.body != nil, !out.contains(where: { $0.name.lowercased() == "content-type" }) {
            out.append(("Content-Type", "application/json"))
        }
        return out
    }

    /// The body template with each `{{inputs.NAME}}` inserted as a JSON value: a string that is exactly one
    /// reference becomes the input's value (number, list, object); a reference inside other text becomes part
    /// of that JSON string, escaped by the writer like any other character.
    static func body(_ template: LiteralValue, _ inputs: [String: LiteralValue]) -> [UInt8] {
        Array(fill(template, inputs).jsonText.utf8)
    }

    static func fill(_ template: LiteralValue, _ inputs: [String: LiteralValue]) -> LiteralValue {
        switch template {
        case .string(let s):
            let t = InputTemplate(s)
            if let name = t.soleInput { return inputs[name] ?? .none }
            return t.inputNames.isEmpty ? template : .string(t.render(inputs, InputTemplate.plainText))
        case .list(let items): return .list(items.map { fill($0, inputs) })
        case .map(let m): return .map(m.mapValues { fill($0, inputs) })
        default: return template
        }
    }

    /// The output value: the body as text for a `string` output without `field`, else the JSON value (or field).
    static func output(_ text: String, _ s: HTTPSettings, _ output: Variable) throws(PluginFailure) -> LiteralValue {
        if s.field == nil, output.type == .string || output.type == .optional(.string) { return .string(text) }
        guard let json = LiteralValue.parseJSON(text) else {
            throw .permanent("the response is not JSON, so output '\(output.name)' (\(output.type)) cannot be read from it\(excerpt(text))")
        }
        guard let field = s.field else { return json }
        guard let value = field.value(in: json) else {
            throw .permanent("the response has no field '\(field)' for output '\(output.name)'\(excerpt(text))")
        }
        return value
    }

    /// The URL with inputs inserted: one that begins the URL is a base (`{{inputs.api}}/items`) and goes in as
    /// it is; any other is percent-encoded, so a value cannot add a path, a query or a host.
    static func url(_ template: InputTemplate, _ inputs: [String: LiteralValue]) throws(PluginFailure) -> String {
        var out = ""
        for (i, part) in template.parts.enumerated() {
            switch part {
            case .text(let t): out += t
            case .input(let n) where i == 0: out += InputTemplate.plainText(inputs[n] ?? .none)
            case .input(let n): out += urlText(inputs[n] ?? .none)
            }
        }
        guard out.hasPrefix("http://") || out.hasPrefix("https://") else {
            throw .permanent("the URL '\(out)' does not start with http:// or https://")
        }
        return out
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters.
    static func urlText(_ v: LiteralValue) -> String {
        var out = ""
        for b in InputTemplate.plainText(v).utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(b)))
            default:
                let hex = Array("0123456789ABCDEF")
                out += "%" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 15)])
            }
        }
        return out
    }

    private static func describe(_ codes: [Int]) -> String {
        codes == Array(200...299) ? "2xx" : codes.map(String.init).joined(separator: " or ")
    }

    private static func excerpt(_ text: String) -> String {
        text.isEmpty ? "" : ": " + (text.count > 200 ? String(text.prefix(200)) + "…" : text)
    }
}

/// The libcurl transport, made on first use: compiling a flow or starting the CLI loads no libcurl.
private final class LazyTransport: Sendable {
    private let transport = Mutex<HTTPTransport?>(nil)

    func get() -> HTTPTransport {
        transport.withLock { t in
            if let t { return t }
            let made = HTTPTransport()
            t = made
            return made
        }
    }
}
