import Foundation

/// What another process asks of the controller driving a run.
public enum InboxKind: String, Sendable, Codable, Hashable {
    /// A value for a signal gate (target: the signal id).
    case signal
    /// A verdict for an approve gate (target: the node id).
    case approval
    /// Stop the run.
    case abort
    /// Pick the run up again (e.g. after a controller restart).
    case resume
}

/// A message for the controller of a run, as a CLI or the server posts it.
public struct InboxMessage: Sendable, Equatable {
    public var runID: String
    public var kind: InboxKind
    /// The signal id or node id it is for, if any.
    public var target: String?
    /// The value (JSON), if any.
    public var payload: Data?
    /// Who sent it.
    public var by: String
    public var comment: String?
    public var created: Date

    public init(
        runID: String, kind: InboxKind, target: String? = nil, payload: Data? = nil,
        by: String, comment: String? = nil, created: Date = Date()
    ) {
        self.runID = runID
        self.kind = kind
        self.target = target
        self.payload = payload
        self.by = by
        self.comment = comment
        self.created = created
    }
}

/// A posted message with its id (increasing) and, once applied, when it was consumed.
public struct InboxItem: Sendable, Equatable {
    public var id: Int64
    public var message: InboxMessage
    public var consumed: Date?
}
