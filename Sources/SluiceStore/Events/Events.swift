import Foundation

/// An event to append: what happened to a run and why. Events are never updated or deleted.
public struct NewEvent: Sendable, Equatable {
    public var time: Date
    /// A dotted name such as `attempt.started` or `run.finished`.
    public var kind: String
    public var nodeID: String?
    public var attempt: Int?
    /// One sentence for people.
    public var message: String
    /// Details as JSON, if any.
    public var data: Data?

    public init(time: Date = Date(), kind: String, nodeID: String? = nil, attempt: Int? = nil, message: String, data: Data? = nil) {
        self.time = time
        self.kind = kind
        self.nodeID = nodeID
        self.attempt = attempt
        self.message = message
        self.data = data
    }
}

/// An appended event with its global sequence number (increasing across all runs).
public struct StoredEvent: Sendable, Equatable {
    public var seq: Int64
    public var runID: String
    public var time: Date
    public var kind: String
    public var nodeID: String?
    public var attempt: Int?
    public var message: String
    public var data: Data?
}
