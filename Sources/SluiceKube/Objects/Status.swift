/// A metav1.Status: the body of an API error (and of a watch ERROR event).
public struct Status: Sendable, Hashable, CustomStringConvertible {
    /// The whole body, unknown fields included.
    public var document: JSONObject
    /// Wraps `document` without validating it.
    public init(document: JSONObject) { self.document = document }

    /// Parses an error response body.
    public init(parsing bytes: some Collection<UInt8>) throws(KubeObjectError) {
        self.init(document: try KubeObjectError.parseObject(bytes))
    }

    /// A failure as the API server writes it, e.g. 404 NotFound.
    public init(code: Int, reason: StatusReason, message: String, details: StatusDetails? = nil) {
        self.init(document: ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure"])
        self.message = message
        self.reason = reason
        self.details = details
        self.code = code
    }

    /// "Success" or "Failure".
    public var status: String? {
        get { document[string: "status"] }
        set { document[string: "status"] = newValue }
    }
    public var message: String? {
        get { document[string: "message"] }
        set { document[string: "message"] = newValue }
    }
    public var reason: StatusReason? {
        get { document[string: "reason"].map(StatusReason.init(rawValue:)) }
        set { document[string: "reason"] = newValue?.rawValue }
    }
    /// The HTTP status code.
    public var code: Int? {
        get { document[int: "code"] }
        set { document[int: "code"] = newValue }
    }
    public var details: StatusDetails? {
        get { document[optionalView: "details"] }
        set { document[optionalView: "details"] = newValue }
    }

    /// E.g. `404 NotFound: pods "x" not found`.
    public var description: String {
        let head = [code.map(String.init), reason.map(\.rawValue)].compactMap { $0 }.joined(separator: " ")
        return head.isEmpty ? message ?? "Status" : "\(head): \(message ?? "")"
    }
}

/// Which object a status is about, and for Invalid the fields at fault.
public struct StatusDetails: JSONObjectView {
    public var object: JSONObject
    public init(object: JSONObject) { self.object = object }

    public var name: String? {
        get { object[string: "name"] }
        set { object[string: "name"] = newValue }
    }
    public var group: String? {
        get { object[string: "group"] }
        set { object[string: "group"] = newValue }
    }
    public var kind: String? {
        get { object[string: "kind"] }
        set { object[string: "kind"] = newValue }
    }
    public var uid: String? {
        get { object[string: "uid"] }
        set { object[string: "uid"] = newValue }
    }
    public var causes: [StatusCause] {
        get { object[views: "causes"] }
        set { object[views: "causes"] = newValue }
    }
    /// How long to wait before retrying (429, 503, 504).
    public var retryAfterSeconds: Int? {
        get { object[int: "retryAfterSeconds"] }
        set { object[int: "retryAfterSeconds"] = newValue }
    }
}

/// One problem behind a status, e.g. a field that failed validation.
public struct StatusCause: JSONObjectView {
    public var object: JSONObject
    public init(object: JSONObject) { self.object = object }

    /// A cause of `reason` (e.g. "FieldValueRequired") at `field` (e.g. "spec.containers[0].image").
    public init(reason: String, message: String, field: String? = nil) {
        self.init()
        self.reason = reason
        self.message = message
        self.field = field
    }

    /// The CauseType, e.g. "FieldValueRequired", "FieldValueInvalid".
    public var reason: String? {
        get { object[string: "reason"] }
        set { object[string: "reason"] = newValue }
    }
    public var message: String? {
        get { object[string: "message"] }
        set { object[string: "message"] = newValue }
    }
    /// The path of the field, e.g. "metadata.name".
    public var field: String? {
        get { object[string: "field"] }
        set { object[string: "field"] = newValue }
    }
}
