/// One declared input of a task or workflow.
public struct Parameter: Sendable, Hashable, Codable {
    public var name: String
    public var type: LiteralType
    public var defaultValue: LiteralValue?
    public var description: String?

    public init(name: String, type: LiteralType, defaultValue: LiteralValue? = nil, description: String? = nil) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.description = description
    }

    /// An input must be bound when it has no default and its type is not optional.
    public var isRequired: Bool { defaultValue == nil && !type.isOptional }

    enum CodingKeys: String, CodingKey { case name, type, defaultValue = "default", description }
}

/// One declared output of a task or workflow.
public struct Variable: Sendable, Hashable, Codable {
    public var name: String
    public var type: LiteralType
    public var description: String?

    public init(name: String, type: LiteralType, description: String? = nil) {
        self.name = name
        self.type = type
        self.description = description
    }
}

/// The typed inputs and outputs of a task or workflow, in declaration order.
public struct Interface: Sendable, Hashable, Codable {
    public var inputs: [Parameter]
    public var outputs: [Variable]

    public init(inputs: [Parameter] = [], outputs: [Variable] = []) {
        self.inputs = inputs
        self.outputs = outputs
    }

    public func input(_ name: String) -> Parameter? { inputs.first { $0.name == name } }
    public func output(_ name: String) -> Variable? { outputs.first { $0.name == name } }
}
