import Foundation

/// A core/v1 Event, the form `kubectl describe` shows.
public struct Event: KubeObject {
    public static let apiVersion = "v1"
    public static let kind = "Event"
    public static let resource = "events"
    public static let namespaced = true

    public var document: JSONObject
    public init(document: JSONObject) { self.document = document }

    /// The object the event is about.
    public var involvedObject: ObjectReference {
        get { document[view: "involvedObject"] }
        _modify { yield &document[view: "involvedObject"] }
        set { document[view: "involvedObject"] = newValue }
    }
    /// A CamelCase word, e.g. "Scheduled", "BackOff".
    public var reason: String? {
        get { document[string: "reason"] }
        set { document[string: "reason"] = newValue }
    }
    public var message: String? {
        get { document[string: "message"] }
        set { document[string: "message"] = newValue }
    }
    /// "Normal" or "Warning".
    public var type: String? {
        get { document[string: "type"] }
        set { document[string: "type"] = newValue }
    }
    /// How many times the event occurred between `firstTimestamp` and `lastTimestamp`.
    public var count: Int? {
        get { document[int: "count"] }
        set { document[int: "count"] = newValue }
    }
    public var firstTimestamp: Date? {
        get { document[time: "firstTimestamp"] }
        set { document[time: "firstTimestamp"] = newValue }
    }
    public var lastTimestamp: Date? {
        get { document[time: "lastTimestamp"] }
        set { document[time: "lastTimestamp"] = newValue }
    }
    /// Who reported the event.
    public var source: EventSource {
        get { document[view: "source"] }
        _modify { yield &document[view: "source"] }
        set { document[view: "source"] = newValue }
    }
}

/// The reporter of a core/v1 event.
public struct EventSource: JSONObjectView {
    public var object: JSONObject
    public init(object: JSONObject) { self.object = object }

    /// E.g. "kubelet", "default-scheduler".
    public var component: String? {
        get { object[string: "component"] }
        set { object[string: "component"] = newValue }
    }
    public var host: String? {
        get { object[string: "host"] }
        set { object[string: "host"] = newValue }
    }
}

/// A reference to another object, as events use it (`involvedObject`, `regarding`).
public struct ObjectReference: JSONObjectView {
    public var object: JSONObject
    public init(object: JSONObject) { self.object = object }

    /// A reference to `target`.
    public init<Target: KubeObject>(to target: Target) {
        self.init()
        apiVersion = Target.apiVersion
        kind = Target.kind
        namespace = target.metadata.namespace
        name = target.metadata.name
        uid = target.metadata.uid
        resourceVersion = target.metadata.resourceVersion
    }

    public var apiVersion: String? {
        get { object[string: "apiVersion"] }
        set { object[string: "apiVersion"] = newValue }
    }
    public var kind: String? {
        get { object[string: "kind"] }
        set { object[string: "kind"] = newValue }
    }
    public var namespace: String? {
        get { object[string: "namespace"] }
        set { object[string: "namespace"] = newValue }
    }
    public var name: String? {
        get { object[string: "name"] }
        set { object[string: "name"] = newValue }
    }
    public var uid: String? {
        get { object[string: "uid"] }
        set { object[string: "uid"] = newValue }
    }
    public var resourceVersion: String? {
        get { object[string: "resourceVersion"] }
        set { object[string: "resourceVersion"] = newValue }
    }
    /// The part of the object meant, e.g. `spec.containers{main}`.
    public var fieldPath: String? {
        get { object[string: "fieldPath"] }
        set { object[string: "fieldPath"] = newValue }
    }
}
