import SluiceKube

/// events.k8s.io/v1 Events are a view of the core v1 Events, as on the real server: one store, two shapes.
enum EventConversion {
    /// core field <-> events.k8s.io field, for the fields that are renamed.
    static let renamed: [(core: String, v1: String)] = [
        ("involvedObject", "regarding"), ("message", "note"), ("reportingComponent", "reportingController"),
        ("source", "deprecatedSource"), ("firstTimestamp", "deprecatedFirstTimestamp"),
        ("lastTimestamp", "deprecatedLastTimestamp"), ("count", "deprecatedCount"),
    ]
    static let shared = ["eventTime", "series", "related", "action", "reason", "type", "reportingInstance"]

    static func toV1(_ core: JSONObject) -> JSONObject {
        var v1: JSONObject = ["apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": core["metadata"] ?? .object([:])]
        for key in shared { v1[key] = core[key] }
        for (c, v) in renamed { v1[v] = core[c] }
        if v1["eventTime"] == nil { v1["eventTime"] = .null }
        return v1
    }

    static func toCore(_ v1: JSONObject) -> JSONObject {
        var core: JSONObject = ["apiVersion": "v1", "kind": "Event", "metadata": v1["metadata"] ?? .object([:])]
        for (c, v) in renamed { core[c] = v1[v] }
        for key in shared { core[key] = v1[key] }
        if core["involvedObject"] == nil { core["involvedObject"] = .object([:]) }
        return core
    }

    static func bytes(_ stored: StoredObject) -> [UInt8] {
        JSONValue.object(toV1(stored.object)).serialized()
    }

    /// A field selector on events.k8s.io fields, as the same selector on the core fields.
    static func coreSelector(_ selector: FieldSelector?) -> FieldSelector? {
        guard var selector else { return nil }
        selector.terms = selector.terms.map { term in
            var t = term
            if t.field.hasPrefix("regarding.") { t.field = "involvedObject." + t.field.dropFirst("regarding.".count) }
            if t.field == "reportingController" { t.field = "reportingComponent" }
            return t
        }
        return selector
    }
}
