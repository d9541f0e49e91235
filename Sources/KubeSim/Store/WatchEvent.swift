import SluiceKube

/// The type of a watch event, spelled as on the wire.
public enum WatchEventType: String, Sendable {
    case added = "ADDED", modified = "MODIFIED", deleted = "DELETED", bookmark = "BOOKMARK", error = "ERROR"
}

/// One change to one object, as delivered to watchers.
public struct WatchEvent: Sendable {
    public let type: WatchEventType
    public let object: StoredObject
    /// The version before a MODIFIED change, so selector watches can turn it into ADDED or DELETED.
    public let previous: StoredObject?
    public var resourceVersion: Int64 { object.resourceVersion }

    public init(type: WatchEventType, object: StoredObject, previous: StoredObject? = nil) {
        self.type = type
        self.object = object
        self.previous = previous
    }

    /// `{"type":"ADDED","object":{...}}\n`, reusing the object's cached bytes.
    public var line: [UInt8] { WatchEvent.line(type.rawValue, object.bytes) }

    /// Appends `line` to `out` without an intermediate array (watch fan-out writes many per batch).
    public func appendLine(to out: inout [UInt8]) {
        out.append(contentsOf: #"{"type":""#.utf8)
        out.append(contentsOf: type.rawValue.utf8)
        out.append(contentsOf: #"","object":"#.utf8)
        out.append(contentsOf: object.bytes)
        out.append(contentsOf: "}\n".utf8)
    }

    static func line(_ type: String, _ objectBytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(objectBytes.count + 32)
        out.append(contentsOf: #"{"type":""#.utf8)
        out.append(contentsOf: type.utf8)
        out.append(contentsOf: #"","object":"#.utf8)
        out.append(contentsOf: objectBytes)
        out.append(contentsOf: "}\n".utf8)
        return out
    }
}

/// Where a watch starts.
public enum WatchStart: Sendable, Equatable {
    /// Synthetic ADDED events for the current objects, then changes (resourceVersion unset or "0").
    case current
    /// Changes after this resourceVersion, replayed from the history (410 when too old).
    case after(Int64)
    /// Only changes from now on.
    case now
}
