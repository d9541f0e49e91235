/// A core/v1 Service. Named `KubeService` so it does not clash with ServiceLifecycle's `Service`.
public struct KubeService: KubeObject {
    public static let apiVersion = "v1"
    public static let kind = "Service"
    public static let resource = "services"
    public static let namespaced = true

    public var document: JSONObject
    public init(document: JSONObject) { self.document = document }

    public var spec: ServiceSpec {
        get { document[view: "spec"] }
        _modify { yield &document[view: "spec"] }
        set { document[view: "spec"] = newValue }
    }
}

/// Which pods a service routes to and on which ports.
public struct ServiceSpec: JSONObjectView {
    public var object: JSONObject
    public init(object: JSONObject) { self.object = object }

    public var selector: [String: String] {
        get { object[stringMap: "selector"] }
        set { object[stringMap: "selector"] = newValue }
    }
    public var ports: [ServicePort] {
        get { object[views: "ports"] }
        set { object[views: "ports"] = newValue }
    }
    /// "ClusterIP", "NodePort", "LoadBalancer" or "ExternalName".
    public var type: String? {
        get { object[string: "type"] }
        set { object[string: "type"] = newValue }
    }
    /// The virtual IP; "None" for a headless service.
    public var clusterIP: String? {
        get { object[string: "clusterIP"] }
        set { object[string: "clusterIP"] = newValue }
    }
}

/// One port of a service.
public struct ServicePort: JSONObjectView {
    public var object: JSONObject
    public init(object: JSONObject) { self.object = object }

    /// Port `port` forwarding to `targetPort` (the same number when nil).
    public init(name: String? = nil, port: Int, targetPort: IntOrString? = nil) {
        self.init()
        self.name = name
        self.port = port
        self.targetPort = targetPort
    }

    public var name: String? {
        get { object[string: "name"] }
        set { object[string: "name"] = newValue }
    }
    public var port: Int? {
        get { object[int: "port"] }
        set { object[int: "port"] = newValue }
    }
    /// A port number or the name of a container port.
    public var targetPort: IntOrString? {
        get { object["targetPort"].flatMap(IntOrString.init(json:)) }
        set { object["targetPort"] = newValue?.json }
    }
    /// "TCP", "UDP" or "SCTP".
    public var `protocol`: String? {
        get { object[string: "protocol"] }
        set { object[string: "protocol"] = newValue }
    }
}

/// A Kubernetes int-or-string value such as a target port (8080 or "http").
public enum IntOrString: Sendable, Hashable, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    case int(Int)
    case string(String)

    public init(integerLiteral value: Int) { self = .int(value) }
    public init(stringLiteral value: String) { self = .string(value) }

    init?(json: JSONValue) {
        if let number = json.intValue.flatMap({ Int(exactly: $0) }) {
            self = .int(number)
        } else if let text = json.stringValue {
            self = .string(text)
        } else {
            return nil
        }
    }

    var json: JSONValue {
        switch self {
        case .int(let number): .int(Int64(number))
        case .string(let text): .string(text)
        }
    }
}
