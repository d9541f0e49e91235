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

/// `GET /api/v1/flows/{name}/versions/{version}`: one version with its text.
public struct FlowText: Codable, Sendable, Equatable {
    public var name: String
    public var version: String
    public var created: String
    public var text: String

    public init(name: String, version: String, created: String, text: String) {
        self.name = name
        self.version = version
        self.created = created
        self.text = text
    }
}
