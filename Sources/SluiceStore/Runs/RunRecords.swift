import Foundation
import SluiceModel

/// What `createRun` writes: everything known when a run is submitted.
public struct NewRun: Sendable, Equatable {
    public var id: String
    public var flow: String
    public var flowVersion: String?
    public var state: RunPhase
    public var labels: [String: String]
    public var created: Date
    /// The compiled flow as JSON; written once, never updated.
    public var compiledFlow: Data
    /// The run's inputs as JSON.
    public var inputs: Data
    /// The engine's initial run-wide state (opaque JSON), if any.
    public var header: Data?
    /// The run this one retries, if any.
    public var parentRunID: String?
    /// Events appended in the same transaction (e.g. "run.created").
    public var events: [NewEvent]
    /// Node rows written with the run: a retry's nodes reused from the run it retries.
    public var nodes: [NodeUpdate] = []
    /// The backend whose attempts this run uses (`local`, `container`); resume and serve must use the same.
    public var backend = "local"

    /// A queued run unless told otherwise.
    public init(
        id: String, flow: String, flowVersion: String? = nil, state: RunPhase = .queued,
        labels: [String: String] = [:], created: Date = Date(), compiledFlow: Data, inputs: Data,
        header: Data? = nil, parentRunID: String? = nil, events: [NewEvent] = []
    ) {
        self.id = id
        self.flow = flow
        self.flowVersion = flowVersion
        self.state = state
        self.labels = labels
        self.created = created
        self.compiledFlow = compiledFlow
        self.inputs = inputs
        self.header = header
        self.parentRunID = parentRunID
        self.events = events
    }
}

/// A run's row without its large JSON documents: what lists and `status` show.
public struct RunSummary: Sendable, Equatable, Codable {
    public var id: String
    public var flow: String
    public var flowVersion: String?
    public var state: RunPhase
    public var labels: [String: String]
    public var created: Date
    public var started: Date?
    public var finished: Date?
    public var error: String?
    public var parentRunID: String?

    /// The position right after this run in a `listRuns` page: pass it as `before:`.
    public var cursor: RunCursor { RunCursor(created: created.millisecondsSince1970, id: id) }
}

/// A keyset position in the newest-first run list: (created ms, id).
public struct RunCursor: Sendable, Hashable, Codable {
    /// Creation time in milliseconds since 1970.
    public var created: Int64
    public var id: String

    public init(created: Int64, id: String) {
        self.created = created
        self.id = id
    }
}

/// A run's full row: the summary plus its JSON documents.
public struct RunRecord: Sendable, Equatable {
    public var summary: RunSummary
    public var compiledFlow: Data
    public var inputs: Data
    /// The engine's run-wide state (opaque JSON).
    public var header: Data?
    public var outputs: Data?
    /// The highest `updatedSeq` any node of this run has: load from here on with `nodesUpdated`.
    public var nodeSeq: Int64

    /// The run's id.
    public var id: String { summary.id }
}

/// One action's row: the engine's opaque state for one node of a run.
public struct NodeRecord: Sendable, Equatable {
    /// A path such as `fit`, `fit[3]`, `sub/child`.
    public var nodeID: String
    public var state: String
    public var step: String?
    public var started: Date?
    public var finished: Date?
    /// The engine's node state (opaque JSON).
    public var data: Data
    /// The run's commit counter when this row last changed.
    public var updatedSeq: Int64
}

/// Everything a controller needs to resume a run.
public struct StoredRun: Sendable, Equatable {
    public var run: RunRecord
    /// Every node row, ordered by node id.
    public var nodes: [NodeRecord]
}
