/// One watch event with its object typed (a `WatchUpdate` is the untyped form): an object added,
/// modified or deleted, a bookmark carrying only a resourceVersion, or an error (a Status; 410 Expired
/// means list again).
public enum TypedWatchEvent<Object: KubeObject>: Sendable, Hashable {
    case added(Object)
    case modified(Object)
    case deleted(Object)
    case bookmark(Object)
    case error(Status)

    /// Decodes one line of a watch stream.
    public init(parsing bytes: some Collection<UInt8>) throws(KubeObjectError) {
        try self.init(document: try KubeObjectError.parseObject(bytes))
    }

    /// Decodes `{"type": ..., "object": {...}}`, taking the object without copying it.
    public init(document: JSONObject) throws(KubeObjectError) {
        guard let type = document["type"]?.stringValue else {
            throw KubeObjectError(field: "type", message: "a watch event needs a string type")
        }
        guard case .object(let object)? = document["object"] else {
            throw KubeObjectError(field: "object", message: "a watch event needs an object")
        }
        switch type {
        case "ADDED": self = .added(Object(document: object))
        case "MODIFIED": self = .modified(Object(document: object))
        case "DELETED": self = .deleted(Object(document: object))
        case "BOOKMARK": self = .bookmark(Object(document: object))
        case "ERROR": self = .error(Status(document: object))
        default:
            throw KubeObjectError(field: "type", message: "\(String(reflecting: type)) is not a watch event type")
        }
    }

    /// The wire form, e.g. `{"type":"ADDED","object":{...}}` (what a server writes).
    public var document: JSONObject {
        ["type": .string(type), "object": .object(objectDocument)]
    }

    /// "ADDED", "MODIFIED", "DELETED", "BOOKMARK" or "ERROR".
    public var type: String {
        switch self {
        case .added: "ADDED"
        case .modified: "MODIFIED"
        case .deleted: "DELETED"
        case .bookmark: "BOOKMARK"
        case .error: "ERROR"
        }
    }

    /// The object, or nil for an error.
    public var object: Object? {
        switch self {
        case .added(let object), .modified(let object), .deleted(let object), .bookmark(let object): object
        case .error: nil
        }
    }

    /// The status of an error event.
    public var status: Status? {
        if case .error(let status) = self { return status }
        return nil
    }

    private var objectDocument: JSONObject {
        switch self {
        case .added(let object), .modified(let object), .deleted(let object), .bookmark(let object):
            object.document
        case .error(let status): status.document
        }
    }
}
