/// A core/v1 Namespace (cluster-scoped).
public struct Namespace: KubeObject {
    public static let apiVersion = "v1"
    public static let kind = "Namespace"
    public static let resource = "namespaces"
    public static let namespaced = false

    public var document: JSONObject
    public init(document: JSONObject) { self.document = document }

    /// A namespace named `name`.
    public init(name: String) {
        self.init()
        metadata.name = name
    }

    public var status: NamespaceStatus {
        get { document[view: "status"] }
        _modify { yield &document[view: "status"] }
        set { document[view: "status"] = newValue }
    }
}

/// The status of a namespace.
public struct NamespaceStatus: JSONObjectView {
    public var object: JSONObject
    public init(object: JSONObject) { self.object = object }

    /// "Active" or "Terminating".
    public var phase: String? {
        get { object[string: "phase"] }
        set { object[string: "phase"] = newValue }
    }
}
