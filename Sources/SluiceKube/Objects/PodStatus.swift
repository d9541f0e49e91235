import Foundation

/// What the kubelet reports about a pod (`Pod.status`).
public struct PodStatus: JSONObjectView {
    public var object: JSONObject
    public init(object: JSONObject) { self.object = object }

    public var phase: PodPhase? {
        get { object[string: "phase"].map(PodPhase.init(rawValue:)) }
        set { object[string: "phase"] = newValue?.rawValue }
    }
    /// A CamelCase word for why the pod is in this state, e.g. "Evicted", "DeadlineExceeded".
    public var reason: String? {
        get { object[string: "reason"] }
        set { object[string: "reason"] = newValue }
    }
    public var message: String? {
        get { object[string: "message"] }
        set { object[string: "message"] = newValue }
    }
    public var podIP: String? {
        get { object[string: "podIP"] }
        set { object[string: "podIP"] = newValue }
    }
    public var startTime: Date? {
        get { object[time: "startTime"] }
        set { object[time: "startTime"] = newValue }
    }
    public var conditions: [Condition] {
        get { object[views: "conditions"] }
        set { object[views: "conditions"] = newValue }
    }
    public var containerStatuses: [ContainerStatus] {
        get { object[views: "containerStatuses"] }
        set { object[views: "containerStatuses"] = newValue }
    }
    public var initContainerStatuses: [ContainerStatus] {
        get { object[views: "initContainerStatuses"] }
        set { object[views: "initContainerStatuses"] = newValue }
    }
}

/// The lifecycle phase of a pod; a phase this client does not know keeps its text.
public enum PodPhase: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    case pending, running, succeeded, failed
    /// The kubelet lost contact with the pod (the Kubernetes phase "Unknown").
    case unknown
    /// A phase newer than this client.
    case unrecognized(String)

    public init(rawValue: String) {
        switch rawValue {
        case "Pending": self = .pending
        case "Running": self = .running
        case "Succeeded": self = .succeeded
        case "Failed": self = .failed
        case "Unknown": self = .unknown
        default: self = .unrecognized(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .pending: "Pending"
        case .running: "Running"
        case .succeeded: "Succeeded"
        case .failed: "Failed"
        case .unknown: "Unknown"
        case .unrecognized(let text): text
        }
    }

    /// Whether the pod has stopped for good (Succeeded or Failed).
    public var isFinished: Bool { self == .succeeded || self == .failed }

    public var description: String { rawValue }
}

/// A status condition of a pod or a deployment, e.g. Ready=True.
public struct Condition: JSONObjectView {
    public var object: JSONObject
    public init(object: JSONObject) { self.object = object }

    /// A condition of `type` with `status` "True", "False" or "Unknown".
    public init(type: String, status: String, reason: String? = nil, message: String? = nil) {
        self.init()
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
    }

    public var type: String? {
        get { object[string: "type"] }
        set { object[string: "type"] = newValue }
    }
    /// "True", "False" or "Unknown".
    public var status: String? {
        get { object[string: "status"] }
        set { object[string: "status"] = newValue }
    }
    /// Whether `status` is "True".
    public var isTrue: Bool { status == "True" }
    public var reason: String? {
        get { object[string: "reason"] }
        set { object[string: "reason"] = newValue }
    }
    public var message: String? {
        get { object[string: "message"] }
        set { object[string: "message"] = newValue }
    }
    public var lastTransitionTime: Date? {
        get { object[time: "lastTransitionTime"] }
        set { object[time: "lastTransitionTime"] = newValue }
    }
}
