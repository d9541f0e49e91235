import SluiceKube

/// One injected fault: which requests it hits and what it does to them.
///
/// Text form (CLI `--fault`, admin endpoint): `[METHOD ]PATH:ACTION[:OPTION]...`
/// - METHOD: GET, POST, PUT, PATCH, DELETE or `*` (default: any).
/// - PATH: the request path; `*` matches within one segment, `**` any number of segments.
/// - ACTION: an HTTP status (`429`, `500`, `503`, ...), `delay=SECONDS`, `drop-after=N` (watch connection
///   cut without a clean end after N events) or `close-after=N` (watch ends cleanly after N events).
/// - OPTION: `retry-after=SECONDS`, `count=N` (hit only the next N matching requests), `delay=SECONDS`.
///
/// Example: `GET /api/v1/namespaces/*/pods:429:retry-after=1:count=3`.
public struct FaultRule: Sendable, Hashable {
    public var method: String?
    public var path: String
    public var status: Int?
    public var retryAfterSeconds: Int?
    public var delaySeconds: Double?
    public var dropAfterEvents: Int?
    public var closeAfterEvents: Int?
    /// Requests left to hit; nil for every matching request.
    public var count: Int?

    public init(method: String? = nil, path: String, status: Int? = nil, retryAfterSeconds: Int? = nil, delaySeconds: Double? = nil,
                dropAfterEvents: Int? = nil, closeAfterEvents: Int? = nil, count: Int? = nil) {
        self.method = method
        self.path = path
        self.status = status
        self.retryAfterSeconds = retryAfterSeconds
        self.delaySeconds = delaySeconds
        self.dropAfterEvents = dropAfterEvents
        self.closeAfterEvents = closeAfterEvents
        self.count = count
    }

    /// Parses the text form; the error says what part was not understood.
    public init(parsing spec: String) throws(FaultSpecError) {
        var parts = spec.split(separator: ":", omittingEmptySubsequences: false).map { String($0).trimmingSpaces }
        guard parts.count >= 2 else { throw FaultSpecError(spec: spec, problem: "expected PATH:ACTION") }
        let target = parts.removeFirst().split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        switch target.count {
        case 1: path = target[0]
        case 2: method = target[0] == "*" ? nil : target[0].uppercased(); path = target[1]
        default: throw FaultSpecError(spec: spec, problem: "expected [METHOD ]PATH before the first ':'")
        }
        guard path.hasPrefix("/") else { throw FaultSpecError(spec: spec, problem: "the path must start with '/'") }
        for part in parts {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            let value = kv.count == 2 ? kv[1] : ""
            func int() throws(FaultSpecError) -> Int {
                guard let v = Int(value), v >= 0 else { throw FaultSpecError(spec: spec, problem: "'\(part)' needs a whole number") }
                return v
            }
            switch kv[0] {
            case let code where Int(code) != nil && kv.count == 1:
                guard let c = Int(code), (400...599).contains(c) else { throw FaultSpecError(spec: spec, problem: "status \(code) is not 400-599") }
                status = c
            case "retry-after": retryAfterSeconds = try int()
            case "count": count = try int()
            case "delay":
                guard let d = Double(value), d >= 0 else { throw FaultSpecError(spec: spec, problem: "'\(part)' needs seconds") }
                delaySeconds = d
            case "drop-after": dropAfterEvents = try int()
            case "close-after": closeAfterEvents = try int()
            default: throw FaultSpecError(spec: spec, problem: "unknown action or option '\(part)'")
            }
        }
    }

    /// Reads the admin endpoint's object form (`{"method":"GET","path":...,"status":429,...}`).
    public init(json o: JSONObject) throws(FaultSpecError) {
        guard let path = o["path"]?.stringValue else { throw FaultSpecError(spec: JSONValue.object(o).jsonText, problem: "missing path") }
        self.init(method: o["method"]?.stringValue.map { $0.uppercased() }, path: path, status: o["status"]?.intValue.map(Int.init),
                  retryAfterSeconds: o["retryAfter"]?.intValue.map(Int.init), delaySeconds: o["delaySeconds"]?.doubleValue,
                  dropAfterEvents: o["dropAfterEvents"]?.intValue.map(Int.init), closeAfterEvents: o["closeAfterEvents"]?.intValue.map(Int.init),
                  count: o["count"]?.intValue.map(Int.init))
    }

    func matches(method: String, path: String) -> Bool {
        if let m = self.method, m != method { return false }
        return FaultRule.glob(self.path.split(separator: "/").map(String.init)[...], path.split(separator: "/").map(String.init)[...])
    }

    static func glob(_ pattern: ArraySlice<String>, _ path: ArraySlice<String>) -> Bool {
        guard let p = pattern.first else { return path.isEmpty }
        if p == "**" {
            return (0...path.count).contains { glob(pattern.dropFirst(), path.dropFirst($0)) }
        }
        guard let s = path.first, segment(p, s) else { return false }
        return glob(pattern.dropFirst(), path.dropFirst())
    }

    /// `*` within one segment.
    static func segment(_ pattern: String, _ text: String) -> Bool {
        let pieces = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        if pieces.count == 1 { return pattern == text }
        guard text.hasPrefix(pieces[0]), text.hasSuffix(pieces.last!) else { return false }
        var rest = Substring(text.dropFirst(pieces[0].count))
        for piece in pieces.dropFirst().dropLast() where !piece.isEmpty {
            guard let r = rest.range(of: piece) else { return false }
            rest = rest[r.upperBound...]
        }
        return rest.count >= pieces.last!.count
    }

    /// The error response this fault turns a request into, if it is a status fault.
    public var statusError: SimStatusError? {
        guard let status else { return nil }
        switch status {
        case 429: return .tooManyRequests(retryAfter: retryAfterSeconds ?? 1)
        case 500:
            var e = SimStatusError.internalError("injected fault")
            e.retryAfterSeconds = retryAfterSeconds
            return e
        case 503:
            var e = SimStatusError.serviceUnavailable()
            e.retryAfterSeconds = retryAfterSeconds
            return e
        case 410: return SimStatusError(code: 410, reason: "Gone", message: "injected fault")
        default:
            return SimStatusError(code: status, reason: "", message: "injected fault \(status)", retryAfterSeconds: retryAfterSeconds)
        }
    }

    public var json: JSONObject {
        var o: JSONObject = ["path": .string(path)]
        o["method"] = method.map(JSONValue.string)
        o["status"] = status.map { .int(Int64($0)) }
        o["retryAfter"] = retryAfterSeconds.map { .int(Int64($0)) }
        o["delaySeconds"] = delaySeconds.map(JSONValue.double)
        o["dropAfterEvents"] = dropAfterEvents.map { .int(Int64($0)) }
        o["closeAfterEvents"] = closeAfterEvents.map { .int(Int64($0)) }
        o["count"] = count.map { .int(Int64($0)) }
        return o
    }
}

/// A fault spec that could not be read.
public struct FaultSpecError: Error, CustomStringConvertible {
    public let spec: String
    public let problem: String
    public var description: String { "fault '\(spec)': \(problem)" }
}
