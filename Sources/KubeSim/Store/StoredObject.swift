import SluiceKube

/// One version of a stored object, with its JSON bytes serialized once so watch fan-out and lists reuse them.
public struct StoredObject: Sendable {
    public let type: SimResource
    public let object: JSONObject
    public let resourceVersion: Int64
    /// The compact JSON of `object`.
    public let bytes: [UInt8]

    init(type: SimResource, object: JSONObject, resourceVersion: Int64) {
        self.type = type
        self.object = object
        self.resourceVersion = resourceVersion
        self.bytes = JSONValue.object(object).serialized()
    }

    public var name: String { object.metadataString("name") ?? "" }
    public var namespace: String? { object.metadataString("namespace") }
    public var uid: String? { object.metadataString("uid") }
    /// `namespace/name`, or `name` for cluster-scoped objects.
    public var key: String { ObjectKey.make(namespace, name) }
}

/// Keys objects by `namespace/name` so that a sorted walk gives the list order of the real server.
enum ObjectKey {
    static func make(_ namespace: String?, _ name: String) -> String {
        if let namespace, !namespace.isEmpty { return "\(namespace)/\(name)" }
        return name
    }
}

extension JSONObject {
    /// The `metadata` object (empty when missing).
    public var metadata: JSONObject {
        get { self["metadata"]?.objectValue ?? JSONObject() }
        set { self["metadata"] = .object(newValue) }
    }

    public func metadataString(_ key: String) -> String? { self["metadata"]?[key]?.stringValue }

    public mutating func setMetadata(_ key: String, _ value: JSONValue?) {
        var meta = metadata
        meta[key] = value
        metadata = meta
    }

    /// `metadata.labels` as strings.
    public var labels: [String: String] {
        var labels: [String: String] = [:]
        for (key, value) in self["metadata"]?["labels"]?.objectValue ?? JSONObject() {
            if let s = value.stringValue { labels[key] = s }
        }
        return labels
    }

    /// Reads a dotted path of object members (`status.phase`).
    public func value(at path: [String]) -> JSONValue? {
        var current: JSONValue = .object(self)
        for key in path {
            guard let next = current[key] else { return nil }
            current = next
        }
        return current
    }
}
