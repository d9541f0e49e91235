import Foundation

/// A task's outputs remembered under its cache key (cache version + hash of inputs).
public struct CacheEntry: Sendable, Equatable {
    public var key: String
    public var taskName: String
    public var cacheVersion: String
    /// The task's outputs as JSON.
    public var outputs: Data
    /// Where the outputs came from.
    public var runID: String
    public var nodeID: String
    public var created: Date

    public init(key: String, taskName: String, cacheVersion: String, outputs: Data, runID: String, nodeID: String, created: Date = Date()) {
        self.key = key
        self.taskName = taskName
        self.cacheVersion = cacheVersion
        self.outputs = outputs
        self.runID = runID
        self.nodeID = nodeID
        self.created = created
    }
}

/// The action that holds a cache key while it computes the value (`serialize: true`).
///
/// The owner is the action, not the process: a controller that takes over a run resumes
/// its reservations.
public struct CacheOwner: Sendable, Hashable {
    public var runID: String
    public var nodeID: String

    public init(runID: String, nodeID: String) {
        self.runID = runID
        self.nodeID = nodeID
    }
}

/// A held reservation: who computes the key's value, since when.
public struct CacheReservation: Sendable, Equatable {
    public var key: String
    public var owner: CacheOwner
    public var created: Date
}
