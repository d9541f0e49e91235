import SluiceKube

/// One committed write, in the order the store applied them (`GET /kubesim/writes`).
public struct WriteRecord: Sendable {
    public let resourceVersion: Int64
    /// create, update, patch, delete, ...
    public let verb: String
    public let type: SimResource
    public let namespace: String?
    public let name: String
    public let user: String
    /// The object as written (as deleted, for deletes).
    public let object: StoredObject

    /// The JSON row served by the admin endpoint.
    public var json: JSONObject {
        var row: JSONObject = ["resourceVersion": .string(String(resourceVersion)), "verb": .string(verb),
                               "resource": .string(type.qualifiedResource)]
        row["namespace"] = namespace.map(JSONValue.string) ?? .null
        row["name"] = .string(name)
        row["user"] = .string(user)
        row["object"] = .object(object.object)
        return row
    }
}

/// Options shared by every write.
public struct WriteOptions: Sendable {
    /// `dryRun=All`: validate and return the result, store nothing.
    public var dryRun: Bool
    /// Who writes, for the write log.
    public var user: String
    /// The verb recorded in the write log.
    public var verb: String?

    public init(dryRun: Bool = false, user: String = "system:kubesim", verb: String? = nil) {
        self.dryRun = dryRun
        self.user = user
        self.verb = verb
    }
}

/// How dependents are treated when their owner is deleted.
public enum PropagationPolicy: String, Sendable {
    case foreground = "Foreground", background = "Background", orphan = "Orphan"
}

/// Options of a delete.
public struct DeleteOptions: Sendable {
    public var gracePeriodSeconds: Int64?
    public var propagationPolicy: PropagationPolicy?
    public var preconditionUID: String?
    public var preconditionResourceVersion: String?
    public var write: WriteOptions

    public init(gracePeriodSeconds: Int64? = nil, propagationPolicy: PropagationPolicy? = nil,
                preconditionUID: String? = nil, preconditionResourceVersion: String? = nil, write: WriteOptions = .init()) {
        self.gracePeriodSeconds = gracePeriodSeconds
        self.propagationPolicy = propagationPolicy
        self.preconditionUID = preconditionUID
        self.preconditionResourceVersion = preconditionResourceVersion
        self.write = write
    }
}

/// What a delete did.
public enum DeleteResult: Sendable {
    /// The object is gone; this is its last version.
    case deleted(StoredObject)
    /// The object now carries a deletionTimestamp and goes later (graceful pod deletion, finalizers).
    case pending(StoredObject)

    public var object: StoredObject {
        switch self {
        case .deleted(let o), .pending(let o): return o
        }
    }
}

/// A list result: the matching objects in key order and the store's resourceVersion at the time.
public struct StoredList: Sendable {
    public var items: [StoredObject]
    public var resourceVersion: Int64
}

/// Which part of an object a write replaces.
public enum Subresource: String, Sendable {
    case main = "", status
}
