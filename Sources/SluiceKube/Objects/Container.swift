import SluiceModel

/// A container of a pod spec.
public struct Container: JSONObjectView {
    public var object: JSONObject
    public init(object: JSONObject) { self.object = object }

    /// A container named `name` running `image`.
    public init(name: String, image: String) {
        self.init()
        self.name = name
        self.image = image
    }

    public var name: String? {
        get { object[string: "name"] }
        set { object[string: "name"] = newValue }
    }
    public var image: String? {
        get { object[string: "image"] }
        set { object[string: "image"] = newValue }
    }
    /// The entrypoint, replacing the image's.
    public var command: [String] {
        get { object[strings: "command"] }
        set { object[strings: "command"] = newValue }
    }
    public var args: [String] {
        get { object[strings: "args"] }
        set { object[strings: "args"] = newValue }
    }
    public var env: [EnvVar] {
        get { object[views: "env"] }
        set { object[views: "env"] = newValue }
    }
    public var resources: ResourceRequirements {
        get { object[view: "resources"] }
        _modify { yield &object[view: "resources"] }
        set { object[view: "resources"] = newValue }
    }
    public var terminationMessagePath: String? {
        get { object[string: "terminationMessagePath"] }
        set { object[string: "terminationMessagePath"] = newValue }
    }
    /// "File" or "FallbackToLogsOnError".
    public var terminationMessagePolicy: String? {
        get { object[string: "terminationMessagePolicy"] }
        set { object[string: "terminationMessagePolicy"] = newValue }
    }
    public var workingDir: String? {
        get { object[string: "workingDir"] }
        set { object[string: "workingDir"] = newValue }
    }

    /// An environment variable of a container (nested: SluiceModel has its own `EnvVar`).
    public struct EnvVar: JSONObjectView {
        public var object: JSONObject
        public init(object: JSONObject) { self.object = object }

        /// A variable with a literal value.
        public init(name: String, value: String) {
            self.init()
            self.name = name
            self.value = value
        }

        public var name: String? {
            get { object[string: "name"] }
            set { object[string: "name"] = newValue }
        }
        /// The literal value; nil when the variable comes from `valueFrom` (kept as an unknown field).
        public var value: String? {
            get { object[string: "value"] }
            set { object[string: "value"] = newValue }
        }
    }
}

/// A container's resource `requests` and `limits`.
public struct ResourceRequirements: JSONObjectView {
    public var object: JSONObject
    public init(object: JSONObject) { self.object = object }

    /// What the scheduler reserves, e.g. ["cpu": 500m, "memory": 1Gi].
    public var requests: [String: Quantity] {
        get { object[quantities: "requests"] }
        set { object[quantities: "requests"] = newValue }
    }
    /// What the container may use at most.
    public var limits: [String: Quantity] {
        get { object[quantities: "limits"] }
        set { object[quantities: "limits"] = newValue }
    }
}
