import SluiceModel

/// The body of `POST /api/v1/flows`: flow text and an optional version name (default: the next number).
public struct RegisterFlow: Codable, Sendable, Equatable {
    public var flow: String
    public var version: String?

    public init(flow: String, version: String? = nil) {
        self.flow = flow
        self.version = version
    }
}

/// A registered version's name (`FlowRef`), as a registration answers.
public struct FlowRef: Codable, Sendable, Equatable {
    public var name: String
    public var version: String

    public init(name: String, version: String) {
        self.name = name
        self.version = version
    }
}

/// One registered version (`FlowVersion`).
public struct FlowVersionRow: Codable, Sendable, Equatable {
    public var name: String
    public var version: String
    public var created: String

    public init(name: String, version: String, created: String) {
        self.name = name
        self.version = version
        self.created = created
    }
}

/// `GET /api/v1/flows`: the latest version of every flow.
public struct FlowList: Codable, Sendable, Equatable {
    public var flows: [FlowVersionRow]

    public init(flows: [FlowVersionRow]) { self.flows = flows }
}

/// `GET /api/v1/flows/{name}`: every version of one flow.
public struct FlowVersions: Codable, Sendable, Equatable {
    public var name: String
    public var versions: [FlowVersionRow]

    public init(name: String, versions: [FlowVersionRow]) {
        self.name = name
        self.versions = versions
    }
}

/// `GET /api/v1/flows/{name}/versions/{version}`: one version with its text and its declared inputs.
public struct FlowText: Codable, Sendable, Equatable {
    public var name: String
    public var version: String
    public var created: String
    public var text: String
    /// The flow's inputs in declaration order (what a launch form asks for).
    public var inputs: [FlowInputView]?

    public init(name: String, version: String, created: String, text: String, inputs: [FlowInputView]? = nil) {
        self.name = name
        self.version = version
        self.created = created
        self.text = text
        self.inputs = inputs
    }
}

/// One declared input of a registered flow (`FlowInput`): what a launch form asks for.
public struct FlowInputView: Codable, Sendable, Equatable {
    public var name: String
    /// The declared type, as written in flows (`int`, `list<string>`, `enum(a|b)`, `float?`).
    public var type: String
    /// The default value, when the flow declares one.
    public var `default`: LiteralValue?
    public var description: String?
    /// Whether a submission must bind it (no default and not optional).
    public var required: Bool

    public init(name: String, type: String, default: LiteralValue? = nil, description: String? = nil, required: Bool) {
        self.name = name
        self.type = type
        self.default = `default`
        self.description = description
        self.required = required
    }
}
