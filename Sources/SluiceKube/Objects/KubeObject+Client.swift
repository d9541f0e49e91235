/// Bridges from typed objects to the client's untyped requests and events.
extension KubeObject {
    /// The REST collection of this kind, for the client's verbs (`client.get(Pod.resourceType, ...)`).
    public static var resourceType: ResourceType {
        ResourceType(apiVersion: apiVersion, kind: kind, resource: resource, namespaced: namespaced)
    }
}

extension TypedWatchEvent {
    /// The typed form of an event from a `WatchStream`; takes the object without copying it.
    public init(_ update: WatchUpdate) {
        switch update.kind {
        case .added: self = .added(Object(document: update.object))
        case .modified: self = .modified(Object(document: update.object))
        case .deleted: self = .deleted(Object(document: update.object))
        case .bookmark: self = .bookmark(Object(document: update.object))
        case .error: self = .error(Status(document: update.object))
        }
    }
}

extension Status {
    /// The Status body of a failed call, or nil when the server sent none.
    public init?(_ error: KubeStatusError) {
        guard let document = error.status else { return nil }
        self.init(document: document)
    }
}
