import Foundation

/// One registered version of a flow: the text a person wrote and the compiled flow runs are made from.
public struct FlowRecord: Hashable, Sendable {
    public var name: String
    public var version: String
    /// The flow file as registered.
    public var text: String
    /// The compiled flow (JSON), what a run of this version stores.
    public var compiled: Data
    public var created: Date

    public init(name: String, version: String, text: String, compiled: Data, created: Date) {
        self.name = name
        self.version = version
        self.text = text
        self.compiled = compiled
        self.created = created
    }
}

/// A registered version without its documents (for listings).
public struct FlowVersion: Hashable, Sendable {
    public var name: String
    public var version: String
    public var created: Date
}
