import Foundation

/// An events.k8s.io/v1 Event, the form controllers write today.
public struct EventV1: KubeObject {
    public static let apiVersion = "events.k8s.io/v1"
    public static let kind = "Event"
    public static let resource = "events"
    public static let namespaced = true

    public var document: JSONObject
    public init(document: JSONObject) { self.document = document }

    /// The object the event is about.
    public var regarding: ObjectReference {
        get { document[view: "regarding"] }
        _modify { yield &document[view: "regarding"] }
        set { document[view: "regarding"] = newValue }
    }
    /// A human-readable description (at most 1 kB).
    public var note: String? {
        get { document[string: "note"] }
        set { document[string: "note"] = newValue }
    }
    public var reason: String? {
        get { document[string: "reason"] }
        set { document[string: "reason"] = newValue }
    }
    /// "Normal" or "Warning".
    public var type: String? {
        get { document[string: "type"] }
        set { document[string: "type"] = newValue }
    }
    /// When the event first happened (a MicroTime; required by the server).
    public var eventTime: Date? {
        get { document[microTime: "eventTime"] }
        set { document[microTime: "eventTime"] = newValue }
    }
    /// The controller that emitted the event, e.g. "sluice.dev/controller".
    public var reportingController: String? {
        get { document[string: "reportingController"] }
        set { document[string: "reportingController"] = newValue }
    }
    /// The instance of that controller, e.g. its pod name.
    public var reportingInstance: String? {
        get { document[string: "reportingInstance"] }
        set { document[string: "reportingInstance"] = newValue }
    }
    /// What was done or failed, e.g. "Scheduling", "Binding".
    public var action: String? {
        get { document[string: "action"] }
        set { document[string: "action"] = newValue }
    }
}
