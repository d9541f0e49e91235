import Foundation
import SluiceKube

/// One step of a pod's simulated life: from `at` on, the pod's status is `status`.
public struct PodStage: Sendable, Equatable {
    /// What kind of step this is (also the kubelet's record of how far a pod has got).
    public enum Kind: String, Sendable, Equatable {
        case accepted, unschedulable, creating, initializing, pullError, pullBackOff, running, ended, evicted, nodeLost,
             disrupted, systemDeleted, killed, deadlineExceeded
    }

    public var kind: Kind
    public var at: Date
    /// The whole `status` to write.
    public var status: JSONObject
    /// `spec.nodeName` to set (the scheduler's binding), when this step schedules the pod.
    public var nodeName: String?
    public var events: [SimEvent]
    /// The system deletes the pod at this step (eviction API, preemption, garbage collection).
    public var deletesPod: Bool

    public init(kind: Kind, at: Date, status: JSONObject, nodeName: String? = nil, events: [SimEvent] = [],
                deletesPod: Bool = false) {
        self.kind = kind
        self.at = at
        self.status = status
        self.nodeName = nodeName
        self.events = events
        self.deletesPod = deletesPod
    }

    public var phase: String { status["phase"]?.stringValue ?? "Pending" }
}

/// A core v1 Event about a pod, before it is written: who reports it and what it says.
public struct SimEvent: Sendable, Equatable {
    public var type: String
    public var reason: String
    public var message: String
    /// `kubelet`, `default-scheduler`, `node-controller`, `deployment-controller`, ...
    public var component: String
    /// `spec.containers{main}` for an event about one container.
    public var fieldPath: String?
    /// The node whose kubelet reports it (`source.host`); the recorder's own node when nil.
    public var host: String?

    public init(_ type: String = "Normal", reason: String, message: String, component: String = "kubelet",
                fieldPath: String? = nil, host: String? = nil) {
        self.type = type
        self.reason = reason
        self.message = message
        self.component = component
        self.fieldPath = fieldPath
        self.host = host
    }

    static func container(_ name: String) -> String { "spec.containers{\(name)}" }
}

extension Date {
    /// `self` moved on by a Swift `Duration`.
    func adding(_ duration: Duration) -> Date {
        let (seconds, attoseconds) = duration.components
        return addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
    }
}
