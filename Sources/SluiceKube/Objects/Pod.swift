/// A core/v1 Pod: the unit Sluice runs an attempt in.
public struct Pod: KubeObject {
    public static let apiVersion = "v1"
    public static let kind = "Pod"
    public static let resource = "pods"
    public static let namespaced = true

    public var document: JSONObject
    public init(document: JSONObject) { self.document = document }

    public var spec: PodSpec {
        get { document[view: "spec"] }
        _modify { yield &document[view: "spec"] }
        set { document[view: "spec"] = newValue }
    }
    public var status: PodStatus {
        get { document[view: "status"] }
        _modify { yield &document[view: "status"] }
        set { document[view: "status"] = newValue }
    }
}

/// What a pod should run and where (`Pod.spec`, and a pod template's `spec`).
public struct PodSpec: JSONObjectView {
    public var object: JSONObject
    public init(object: JSONObject) { self.object = object }

    public var containers: [Container] {
        get { object[views: "containers"] }
        set { object[views: "containers"] = newValue }
    }
    public var initContainers: [Container] {
        get { object[views: "initContainers"] }
        set { object[views: "initContainers"] = newValue }
    }
    /// "Always", "OnFailure" or "Never".
    public var restartPolicy: String? {
        get { object[string: "restartPolicy"] }
        set { object[string: "restartPolicy"] = newValue }
    }
    /// The node the pod is bound to; set by the scheduler.
    public var nodeName: String? {
        get { object[string: "nodeName"] }
        set { object[string: "nodeName"] = newValue }
    }
    public var nodeSelector: [String: String] {
        get { object[stringMap: "nodeSelector"] }
        set { object[stringMap: "nodeSelector"] = newValue }
    }
    public var serviceAccountName: String? {
        get { object[string: "serviceAccountName"] }
        set { object[string: "serviceAccountName"] = newValue }
    }
    /// How long the pod may run before the kubelet fails it (an attempt's timeout).
    public var activeDeadlineSeconds: Int? {
        get { object[int: "activeDeadlineSeconds"] }
        set { object[int: "activeDeadlineSeconds"] = newValue }
    }
}
