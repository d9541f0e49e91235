import SluiceKube

/// A failed API call as the real API server reports it: an HTTP code and a `Status` body.
public struct SimStatusError: Error, Sendable, CustomStringConvertible {
    public var code: Int
    public var reason: String
    public var message: String
    public var details: JSONObject?
    /// Seconds for the `Retry-After` header (429, and 500/503 when injected).
    public var retryAfterSeconds: Int?

    public init(code: Int, reason: String, message: String, details: JSONObject? = nil, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(code) \(reason): \(message)" }

    /// The `Status` object sent as the body.
    public var status: JSONObject {
        var status: JSONObject = ["kind": "Status", "apiVersion": "v1", "metadata": .object([:])]
        status["status"] = "Failure"
        status["message"] = .string(message)
        if !reason.isEmpty { status["reason"] = .string(reason) }
        if let details { status["details"] = .object(details) }
        status["code"] = .int(Int64(code))
        return status
    }
}

extension SimStatusError {
    static func details(name: String?, group: String, kind: String) -> JSONObject {
        var details = JSONObject()
        if let name, !name.isEmpty { details["name"] = .string(name) }
        if !group.isEmpty { details["group"] = .string(group) }
        details["kind"] = .string(kind)
        return details
    }

    /// `pods "x" not found`
    public static func notFound(_ type: SimResource, _ name: String) -> SimStatusError {
        SimStatusError(code: 404, reason: "NotFound", message: "\(type.qualifiedResource) \"\(name)\" not found",
                        details: details(name: name, group: type.group, kind: type.plural))
    }

    /// `pods "x" already exists`
    public static func alreadyExists(_ type: SimResource, _ name: String) -> SimStatusError {
        SimStatusError(code: 409, reason: "AlreadyExists", message: "\(type.qualifiedResource) \"\(name)\" already exists",
                        details: details(name: name, group: type.group, kind: type.plural))
    }

    /// The optimistic-concurrency failure of an update whose resourceVersion is stale.
    public static func conflict(_ type: SimResource, _ name: String,
                                _ why: String = "the object has been modified; please apply your changes to the latest version and try again") -> SimStatusError {
        SimStatusError(code: 409, reason: "Conflict", message: "Operation cannot be fulfilled on \(type.qualifiedResource) \"\(name)\": \(why)",
                        details: details(name: name, group: type.group, kind: type.plural))
    }

    /// `Pod "x" is invalid: spec.containers[0].name: Required value` (422, with `details.causes`).
    public static func invalid(_ type: SimResource, _ name: String, _ errors: [FieldError]) -> SimStatusError {
        invalid(kind: type.qualifiedKind, group: type.group, detailKind: type.kind, name, errors)
    }

    static func invalid(kind: String, group: String, detailKind: String, _ name: String, _ errors: [FieldError]) -> SimStatusError {
        let summary = errors.count == 1 ? errors[0].text : "[" + errors.map(\.text).joined(separator: ", ") + "]"
        var d = details(name: name, group: group, kind: detailKind)
        d["causes"] = .array(errors.map { .object($0.cause) })
        return SimStatusError(code: 422, reason: "Invalid", message: "\(kind) \"\(name)\" is invalid: \(summary)", details: d)
    }

    public static func badRequest(_ message: String) -> SimStatusError {
        SimStatusError(code: 400, reason: "BadRequest", message: message)
    }

    public static func methodNotAllowed(_ verb: String, _ type: SimResource) -> SimStatusError {
        SimStatusError(code: 405, reason: "MethodNotAllowed", message: "\(verb) is not supported on resources of kind \"\(type.qualifiedResource)\"",
                        details: details(name: nil, group: type.group, kind: type.plural))
    }

    public static func unauthorized() -> SimStatusError {
        SimStatusError(code: 401, reason: "Unauthorized", message: "Unauthorized")
    }

    /// `pods is forbidden: User "x" cannot list resource "pods" in API group "" in the namespace "y"`
    public static func forbidden(user: String, verb: String, type: SimResource, subresource: String?, namespace: String?, name: String?) -> SimStatusError {
        let resource = subresource.map { "\(type.plural)/\($0)" } ?? type.plural
        let scope = namespace.map { "in the namespace \"\($0)\"" } ?? "at the cluster scope"
        // NewForbidden names the group and resource only; the subresource shows in the reason.
        let subject = name.map { "\(type.qualifiedResource) \"\($0)\"" } ?? type.qualifiedResource
        return SimStatusError(code: 403, reason: "Forbidden",
                               message: "\(subject) is forbidden: User \"\(user)\" cannot \(verb) resource \"\(resource)\" in API group \"\(type.group)\" \(scope)",
                               details: details(name: name, group: type.group, kind: type.plural))
    }

    public static func tooManyRequests(retryAfter: Int) -> SimStatusError {
        var d = JSONObject()
        d["retryAfterSeconds"] = .int(Int64(retryAfter))
        return SimStatusError(code: 429, reason: "TooManyRequests", message: "Too many requests, please try again later.",
                               details: d, retryAfterSeconds: retryAfter)
    }

    /// `too old resource version: R (S)` (410 Expired).
    public static func expired(requested: Int64, oldest: Int64) -> SimStatusError {
        SimStatusError(code: 410, reason: "Expired", message: "too old resource version: \(requested) (\(oldest))")
    }

    public static func internalError(_ message: String) -> SimStatusError {
        var d = JSONObject()
        d["causes"] = .array([.object(["message": .string(message)])])
        return SimStatusError(code: 500, reason: "InternalError", message: "Internal error occurred: \(message)", details: d)
    }

    public static func serviceUnavailable(_ message: String = "the server is currently unable to handle the request") -> SimStatusError {
        SimStatusError(code: 503, reason: "ServiceUnavailable", message: message)
    }

    /// The `Status` a successful delete returns for resources that do not return the object.
    static func success(_ type: SimResource, name: String, uid: String?) -> JSONObject {
        var d = details(name: name, group: type.group, kind: type.plural)
        if let uid { d["uid"] = .string(uid) }
        return ["kind": "Status", "apiVersion": "v1", "metadata": .object([:]), "status": "Success", "details": .object(d)]
    }
}
