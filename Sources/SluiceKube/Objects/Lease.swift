import Foundation

/// A coordination.k8s.io/v1 Lease: the lock of leader election.
public struct Lease: KubeObject {
    public static let apiVersion = "coordination.k8s.io/v1"
    public static let kind = "Lease"
    public static let resource = "leases"
    public static let namespaced = true

    public var document: JSONObject
    public init(document: JSONObject) { self.document = document }

    public var spec: LeaseSpec {
        get { document[view: "spec"] }
        _modify { yield &document[view: "spec"] }
        set { document[view: "spec"] = newValue }
    }
}

/// Who holds a lease and until when.
public struct LeaseSpec: JSONObjectView {
    public var object: JSONObject
    public init(object: JSONObject) { self.object = object }

    /// The identity of the current leader.
    public var holderIdentity: String? {
        get { object[string: "holderIdentity"] }
        set { object[string: "holderIdentity"] = newValue }
    }
    /// How long after `renewTime` others may take the lease.
    public var leaseDurationSeconds: Int? {
        get { object[int: "leaseDurationSeconds"] }
        set { object[int: "leaseDurationSeconds"] = newValue }
    }
    /// When the current holder acquired the lease (a MicroTime).
    public var acquireTime: Date? {
        get { object[microTime: "acquireTime"] }
        set { object[microTime: "acquireTime"] = newValue }
    }
    /// When the holder last renewed the lease (a MicroTime).
    public var renewTime: Date? {
        get { object[microTime: "renewTime"] }
        set { object[microTime: "renewTime"] = newValue }
    }
    /// How many times the lease changed hands.
    public var leaseTransitions: Int? {
        get { object[int: "leaseTransitions"] }
        set { object[int: "leaseTransitions"] = newValue }
    }
}
