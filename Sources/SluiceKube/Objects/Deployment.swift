/// An apps/v1 Deployment: replicated pods from one template.
public struct Deployment: KubeObject {
    public static let apiVersion = "apps/v1"
    public static let kind = "Deployment"
    public static let resource = "deployments"
    public static let namespaced = true

    public var document: JSONObject
    public init(document: JSONObject) { self.document = document }

    public var spec: DeploymentSpec {
        get { document[view: "spec"] }
        _modify { yield &document[view: "spec"] }
        set { document[view: "spec"] = newValue }
    }
    public var status: DeploymentStatus {
        get { document[view: "status"] }
        _modify { yield &document[view: "status"] }
        set { document[view: "status"] = newValue }
    }
}

/// The desired state of a deployment.
public struct DeploymentSpec: JSONObjectView {
    public var object: JSONObject
    public init(object: JSONObject) { self.object = object }

    public var replicas: Int? {
        get { object[int: "replicas"] }
        set { object[int: "replicas"] = newValue }
    }
    /// Which pods belong to the deployment; must match the template's labels.
    public var selector: LabelSelectorSpec {
        get { object[view: "selector"] }
        _modify { yield &object[view: "selector"] }
        set { object[view: "selector"] = newValue }
    }
    public var template: PodTemplateSpec {
        get { object[view: "template"] }
        _modify { yield &object[view: "template"] }
        set { object[view: "template"] = newValue }
    }
}

/// A label selector as a spec writes it (`matchExpressions` is kept as an unknown field); KubeSim's
/// `LabelSelector` is the parsed query form.
public struct LabelSelectorSpec: JSONObjectView {
    public var object: JSONObject
    public init(object: JSONObject) { self.object = object }

    public var matchLabels: [String: String] {
        get { object[stringMap: "matchLabels"] }
        set { object[stringMap: "matchLabels"] = newValue }
    }
}

/// The pod a controller stamps out: metadata and a pod spec.
public struct PodTemplateSpec: JSONObjectView {
    public var object: JSONObject
    public init(object: JSONObject) { self.object = object }

    public var metadata: ObjectMeta {
        get { object[view: "metadata"] }
        _modify { yield &object[view: "metadata"] }
        set { object[view: "metadata"] = newValue }
    }
    public var spec: PodSpec {
        get { object[view: "spec"] }
        _modify { yield &object[view: "spec"] }
        set { object[view: "spec"] = newValue }
    }
}

/// What the deployment controller reports.
public struct DeploymentStatus: JSONObjectView {
    public var object: JSONObject
    public init(object: JSONObject) { self.object = object }

    /// The generation of the spec this status describes.
    public var observedGeneration: Int? {
        get { object[int: "observedGeneration"] }
        set { object[int: "observedGeneration"] = newValue }
    }
    public var replicas: Int? {
        get { object[int: "replicas"] }
        set { object[int: "replicas"] = newValue }
    }
    public var updatedReplicas: Int? {
        get { object[int: "updatedReplicas"] }
        set { object[int: "updatedReplicas"] = newValue }
    }
    public var readyReplicas: Int? {
        get { object[int: "readyReplicas"] }
        set { object[int: "readyReplicas"] = newValue }
    }
    public var availableReplicas: Int? {
        get { object[int: "availableReplicas"] }
        set { object[int: "availableReplicas"] = newValue }
    }
    /// E.g. Available and Progressing (lastUpdateTime is kept as an unknown field).
    public var conditions: [Condition] {
        get { object[views: "conditions"] }
        set { object[views: "conditions"] = newValue }
    }
}
