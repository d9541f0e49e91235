import Foundation

/// The `metadata` of an object: identity, version, labels and ownership.
public struct ObjectMeta: JSONObjectView {
    public var object: JSONObject
    public init(object: JSONObject) { self.object = object }

    public var name: String? {
        get { object[string: "name"] }
        set { object[string: "name"] = newValue }
    }
    /// The prefix the server completes to a unique name when `name` is empty.
    public var generateName: String? {
        get { object[string: "generateName"] }
        set { object[string: "generateName"] = newValue }
    }
    public var namespace: String? {
        get { object[string: "namespace"] }
        set { object[string: "namespace"] = newValue }
    }
    public var uid: String? {
        get { object[string: "uid"] }
        set { object[string: "uid"] = newValue }
    }
    /// The opaque version for optimistic concurrency and for resuming a watch.
    public var resourceVersion: String? {
        get { object[string: "resourceVersion"] }
        set { object[string: "resourceVersion"] = newValue }
    }
    /// Bumped by the server on every change to the desired state (spec).
    public var generation: Int? {
        get { object[int: "generation"] }
        set { object[int: "generation"] = newValue }
    }
    public var creationTimestamp: Date? {
        get { object[time: "creationTimestamp"] }
        set { object[time: "creationTimestamp"] = newValue }
    }
    /// Set when deletion was requested; the object stays until its finalizers are gone.
    public var deletionTimestamp: Date? {
        get { object[time: "deletionTimestamp"] }
        set { object[time: "deletionTimestamp"] = newValue }
    }
    public var deletionGracePeriodSeconds: Int? {
        get { object[int: "deletionGracePeriodSeconds"] }
        set { object[int: "deletionGracePeriodSeconds"] = newValue }
    }
    public var labels: [String: String] {
        get { object[stringMap: "labels"] }
        set { object[stringMap: "labels"] = newValue }
    }
    public var annotations: [String: String] {
        get { object[stringMap: "annotations"] }
        set { object[stringMap: "annotations"] = newValue }
    }
    public var ownerReferences: [OwnerReference] {
        get { object[views: "ownerReferences"] }
        set { object[views: "ownerReferences"] = newValue }
    }
    public var finalizers: [String] {
        get { object[strings: "finalizers"] }
        set { object[strings: "finalizers"] = newValue }
    }
}

/// An entry of `metadata.ownerReferences`: the object this one belongs to (garbage collection).
public struct OwnerReference: JSONObjectView {
    public var object: JSONObject
    public init(object: JSONObject) { self.object = object }

    /// A reference to `owner`, by default as its controller and blocking its foreground deletion.
    public init<Owner: KubeObject>(to owner: Owner, controller: Bool = true, blockOwnerDeletion: Bool = true) {
        self.init()
        apiVersion = Owner.apiVersion
        kind = Owner.kind
        name = owner.metadata.name
        uid = owner.metadata.uid
        self.controller = controller
        self.blockOwnerDeletion = blockOwnerDeletion
    }

    public var apiVersion: String? {
        get { object[string: "apiVersion"] }
        set { object[string: "apiVersion"] = newValue }
    }
    public var kind: String? {
        get { object[string: "kind"] }
        set { object[string: "kind"] = newValue }
    }
    public var name: String? {
        get { object[string: "name"] }
        set { object[string: "name"] = newValue }
    }
    public var uid: String? {
        get { object[string: "uid"] }
        set { object[string: "uid"] = newValue }
    }
    /// Whether the owner is the managing controller (at most one reference has this).
    public var controller: Bool? {
        get { object[bool: "controller"] }
        set { object[bool: "controller"] = newValue }
    }
    /// Whether foreground deletion of the owner waits for this object.
    public var blockOwnerDeletion: Bool? {
        get { object[bool: "blockOwnerDeletion"] }
        set { object[bool: "blockOwnerDeletion"] = newValue }
    }
}
