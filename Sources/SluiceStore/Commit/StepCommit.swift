import Foundation
import SluiceModel

/// Everything one engine step changed, written in ONE transaction before its effects run.
public struct StepCommit: Sendable, Equatable {
    public var runID: String
    /// If set, the commit lands only while this owner holds the run's lease (fencing a
    /// controller that lost its lease); otherwise `StoreError.leaseNotHeld`.
    public var leaseOwner: String?
    /// Run-row fields to change; nil fields stay as they are.
    public var run: RunUpdate
    /// Node rows to insert or replace; each gets this commit's `nodeSeq`.
    public var nodes: [NodeUpdate]
    /// Attempt rows to insert or replace (the CLI's projection).
    public var attempts: [AttemptRecord]
    /// Events to append.
    public var events: [NewEvent]
    /// Inbox items this step applied; each must still be unconsumed and addressed to this run.
    public var consumeInbox: [Int64]
    /// Cache entries to write; each also releases its key's reservation.
    public var cachePuts: [CacheEntry]
    /// Reservations to give up without a value (the owner failed).
    public var cacheReleases: [CacheRelease]
    /// The time stamped on consumed inbox items.
    public var time: Date

    public init(
        runID: String, leaseOwner: String? = nil, run: RunUpdate = RunUpdate(), nodes: [NodeUpdate] = [],
        attempts: [AttemptRecord] = [], events: [NewEvent] = [], consumeInbox: [Int64] = [],
        cachePuts: [CacheEntry] = [], cacheReleases: [CacheRelease] = [], time: Date = Date()
    ) {
        self.runID = runID
        self.leaseOwner = leaseOwner
        self.run = run
        self.nodes = nodes
        self.attempts = attempts
        self.events = events
        self.consumeInbox = consumeInbox
        self.cachePuts = cachePuts
        self.cacheReleases = cacheReleases
        self.time = time
    }
}

/// Changes to a run's row; a nil field is left as it is.
public struct RunUpdate: Sendable, Equatable {
    public var state: RunPhase?
    /// The engine's run-wide state (opaque JSON).
    public var header: Data?
    public var outputs: Data?
    public var error: String?
    public var started: Date?
    public var finished: Date?

    public init(
        state: RunPhase? = nil, header: Data? = nil, outputs: Data? = nil, error: String? = nil,
        started: Date? = nil, finished: Date? = nil
    ) {
        self.state = state
        self.header = header
        self.outputs = outputs
        self.error = error
        self.started = started
        self.finished = finished
    }
}

/// A node row as the engine wants it stored (all fields replace the old row's).
public struct NodeUpdate: Sendable, Equatable {
    public var nodeID: String
    public var state: String
    public var step: String?
    public var started: Date?
    public var finished: Date?
    /// The engine's node state (opaque JSON).
    public var data: Data

    public init(nodeID: String, state: String, step: String? = nil, started: Date? = nil, finished: Date? = nil, data: Data) {
        self.nodeID = nodeID
        self.state = state
        self.step = step
        self.started = started
        self.finished = finished
        self.data = data
    }
}

/// A cache reservation to give up: the key and the action that held it.
public struct CacheRelease: Sendable, Equatable {
    public var key: String
    public var owner: CacheOwner

    public init(key: String, owner: CacheOwner) {
        self.key = key
        self.owner = owner
    }
}

/// What a commit assigned.
public struct CommitResult: Sendable, Equatable {
    /// The run's new commit counter; every node written got it as `updatedSeq`.
    public var nodeSeq: Int64
    /// The appended events' seqs, in order.
    public var eventSeqs: [Int64]
}
