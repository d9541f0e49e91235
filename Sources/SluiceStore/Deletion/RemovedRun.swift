import Foundation
import SluiceModel

/// A run `deleteRun` or `prune` removed (or, in a dry run, would remove): its rows and its files.
public struct RemovedRun: Sendable, Equatable {
    public var id: String
    public var flow: String
    public var state: RunPhase
    public var finished: Date?
    /// The bytes of its attempt folders and driver log, measured before they were removed.
    public var bytes: Int64

    public init(id: String, flow: String, state: RunPhase, finished: Date?, bytes: Int64) {
        self.id = id
        self.flow = flow
        self.state = state
        self.finished = finished
        self.bytes = bytes
    }
}

/// What `prune` removed: the runs, and folders left behind by an earlier deletion that stopped between its
/// transaction and its file removal.
public struct PruneReport: Sendable, Equatable {
    public var runs: [RemovedRun]
    /// Attempt folders and driver logs whose run no longer exists (removed now, or in a dry run, found).
    public var leftovers: [String]
    /// Bytes the runs' files and the leftovers took.
    public var bytesFreed: Int64

    public init(runs: [RemovedRun], leftovers: [String], bytesFreed: Int64) {
        self.runs = runs
        self.leftovers = leftovers
        self.bytesFreed = bytesFreed
    }
}

/// Which finished runs `prune` removes.
public struct PruneFilter: Sendable, Equatable {
    /// Runs that finished before this time.
    public var finishedBefore: Date
    /// Only runs in these states (nil: every finished state).
    public var states: Set<RunPhase>?

    public init(finishedBefore: Date, states: Set<RunPhase>? = nil) {
        self.finishedBefore = finishedBefore
        self.states = states
    }
}
