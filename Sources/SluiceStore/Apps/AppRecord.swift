import Foundation

/// A deployed app as the store keeps it: its spec (JSON of `AppSpec`), how many replicas it should run and
/// whether it should run at all (`apps stop` keeps the record, `apps delete` removes it).
public struct AppRecord: Sendable, Hashable {
    public var name: String
    public var spec: Data
    public var replicas: Int
    public var running: Bool
    public var created: Date
    public var updated: Date

    public init(name: String, spec: Data, replicas: Int, running: Bool, created: Date, updated: Date) {
        self.name = name
        self.spec = spec
        self.replicas = replicas
        self.running = running
        self.created = created
        self.updated = updated
    }
}
