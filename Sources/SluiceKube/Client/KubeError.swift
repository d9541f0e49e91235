/// A failed Kubernetes API call: the server said no (with a Status), the request never got an answer,
/// or the answer could not be read.
public enum KubeError: Error, Sendable, CustomStringConvertible {
    case status(KubeStatusError)
    case transport(TransportError)
    /// The server answered with something that is not what the API promises.
    case invalidResponse(method: String, path: String, detail: String)

    public var description: String {
        switch self {
        case .status(let e): return e.description
        case .transport(let e): return e.description
        case .invalidResponse(let method, let path, let detail): return "\(method) \(path): unreadable response: \(detail)"
        }
    }

    /// The API status, when the server answered with one.
    public var statusError: KubeStatusError? {
        if case .status(let e) = self { return e }
        return nil
    }

    public var isNotFound: Bool { statusError?.reason == "NotFound" || statusError?.code == 404 }
    public var isAlreadyExists: Bool { statusError?.reason == "AlreadyExists" }
    public var isConflict: Bool { statusError?.reason == "Conflict" || (statusError?.code == 409 && !isAlreadyExists) }
    public var isInvalid: Bool { statusError?.reason == "Invalid" || statusError?.code == 422 }
    /// 410: a resourceVersion or continue token older than the server keeps (reason Expired or Gone).
    public var isGone: Bool { statusError?.code == 410 || statusError?.reason == "Expired" || statusError?.reason == "Gone" }
    public var isTooManyRequests: Bool { statusError?.code == 429 }
    public var isUnauthorized: Bool { statusError?.code == 401 }
    public var isForbidden: Bool { statusError?.code == 403 }
}

/// A `Status` the API server sent with a failure: its code, machine-readable reason and details.
public struct KubeStatusError: Error, Sendable, CustomStringConvertible {
    public struct Cause: Sendable, Hashable {
        public var reason: String
        public var message: String
        public var field: String
    }

    public var method: String
    public var path: String
    public var code: Int
    /// apimachinery's StatusReason ("NotFound", "Conflict", "Invalid", "Expired", ...); "" when none.
    public var reason: String
    public var message: String
    public var name: String?
    public var kind: String?
    public var causes: [Cause]
    public var retryAfterSeconds: Int?
    /// The Status document as sent, when there was one.
    public var status: JSONObject?

    public var description: String {
        let what = message.isEmpty ? "HTTP \(code)\(reason.isEmpty ? "" : " \(reason)")" : message
        var text = "\(method) \(path): \(what)"
        if !reason.isEmpty && !message.isEmpty { text += " (\(reason), \(code))" }
        for cause in causes where !message.contains(cause.message) {
            text += "\n  \(cause.field.isEmpty ? "" : cause.field + ": ")\(cause.message)"
        }
        return text
    }

    /// Reads a failure response; a body that is not a Status still gives code and a message.
    init(method: String, path: String, response: HTTPResponse) {
        self.method = method
        self.path = path
        code = response.status
        reason = ""
        message = ""
        causes = []
        if let document = try? JSONValue.parse(response.body).objectValue, document["kind"]?.stringValue == "Status" {
            let sent = Status(document: document)
            status = document
            code = sent.code ?? code
            reason = sent.reason?.rawValue ?? ""
            message = sent.message ?? ""
            name = sent.details?.name
            kind = sent.details?.kind
            retryAfterSeconds = sent.details?.retryAfterSeconds
            causes = (sent.details?.causes ?? []).map {
                Cause(reason: $0.reason ?? "", message: $0.message ?? "", field: $0.field ?? "")
            }
        } else {
            let text = String(decoding: response.body.prefix(512), as: UTF8.self).trimmingCharacters(in: " \n\r\t")
            message = text.isEmpty ? "HTTP \(response.status)" : "HTTP \(response.status): \(text)"
            reason = Self.reason(forCode: response.status)
        }
    }

    /// The reason client-go infers for a bare HTTP status.
    static func reason(forCode code: Int) -> String {
        switch code {
        case 400: return "BadRequest"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "NotFound"
        case 405: return "MethodNotAllowed"
        case 406: return "NotAcceptable"
        case 409: return "Conflict"
        case 410: return "Gone"
        case 415: return "UnsupportedMediaType"
        case 422: return "Invalid"
        case 429: return "TooManyRequests"
        case 500: return "InternalError"
        case 503: return "ServiceUnavailable"
        case 504: return "Timeout"
        default: return ""
        }
    }
}
