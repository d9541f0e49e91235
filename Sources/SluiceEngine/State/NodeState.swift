import SluiceModel

/// Where a node is in its life. Raw values are what the CLI prints.
public enum NodePhase: String, Sendable, Hashable, Codable, CaseIterable {
    case pending
    /// Waiting on something other than a process: a gate, a retry backoff, a cache reservation.
    case waiting
    /// An attempt was requested but has not started.
    case queued
    case running
    case succeeded, failed, skipped, aborted
    case timedOut = "timed-out"
    case reverting, reverted
    case revertFailed = "revert-failed"

    /// Whether the node will change no more (revert aside).
    public var isFinal: Bool {
        switch self {
        case .pending, .waiting, .queued, .running, .reverting: false
        default: true
        }
    }

    /// Whether downstream nodes may start after it.
    public var letsDownstreamRun: Bool { self == .succeeded || self == .skipped || self == .reverted }
}

/// Why a node is waiting, for the UI and for the timer checks.
public enum WaitReason: String, Sendable, Hashable, Codable {
    case backoff, sleep, approval, signal, cache, children
}

/// What the task reported about its progress (latest line of `$SLUICE_PROGRESS`).
public struct Progress: Sendable, Hashable, Codable {
    public var fraction: Double?
    public var message: String?
    public var metrics: [String: Double]

    public init(fraction: Double? = nil, message: String? = nil, metrics: [String: Double] = [:]) {
        self.fraction = fraction
        self.message = message
        self.metrics = metrics
    }
}

/// What a person decided at an approve gate, or which signal a signal gate took.
public struct GateRecord: Sendable, Hashable, Codable {
    public var approved: Bool?
    public var by: String?
    public var comment: String?
    public var at: Timestamp?
    public var value: LiteralValue?
}

/// One try of a node on a backend: one process or one pod.
public struct AttemptState: Sendable, Hashable, Codable {
    public enum Phase: String, Sendable, Hashable, Codable {
        case queued, running, succeeded, failed, lost, cancelled
        case timedOut = "timed-out"
        public var isFinal: Bool { self != .queued && self != .running }
    }

    public var number: Int
    public var purpose: AttemptPurpose
    public var phase: Phase
    public var queuedAt: Timestamp
    public var startedAt: Timestamp?
    public var finishedAt: Timestamp?
    public var exitCode: Int32?
    public var signal: Int32?
    public var failure: Failure?
    public var maxRSSBytes: Int64?
    public var cpuMillis: Int64?
    /// Set when we asked the backend to stop it, and why.
    public var cancelReason: CancelReason?
    /// When the task last said it is alive (heartbeat callback or progress line).
    public var lastHeartbeat: Timestamp?
}

/// Whether an attempt does the task's work or undoes it.
public enum AttemptPurpose: String, Sendable, Hashable, Codable {
    case run, revert
}

/// The state of one node (an action) in a run.
public struct NodeState: Sendable, Hashable, Codable {
    public var id: String
    public var kind: String
    public var phase: NodePhase
    public var step: String?
    public var waitReason: WaitReason?
    public var inputs: [String: LiteralValue]?
    public var outputs: [String: LiteralValue]?
    public var failure: Failure?
    public var attempts: [AttemptState] = []
    public var userFailures = 0
    public var systemFailures = 0
    public var startedAt: Timestamp?
    public var finishedAt: Timestamp?
    /// When the node next needs the engine: retry, sleep end, timeout.
    public var wakeAt: Timestamp?
    public var cacheKey: String?
    /// The run and node whose cached outputs were used.
    public var cacheHitFrom: String?
    /// Order of success, for revert (newest undone first).
    public var completion: Int?
    public var gate: GateRecord?
    public var progress: Progress?
    /// Map: number of items. Subworkflow with retries: which try of the whole subflow this is.
    public var itemCount: Int?
    public var scopeTry: Int?
    /// Dynamic node: the compiled graph its task produced.
    public var dynamicFlow: CompiledFlow?
    /// A note for the history (why skipped, where a cached result came from).
    public var note: String?

    public init(id: String, kind: String, phase: NodePhase = .pending, step: String? = nil) {
        self.id = id
        self.kind = kind
        self.phase = phase
        self.step = step
    }

    /// The latest attempt with this purpose.
    public func lastAttempt(_ purpose: AttemptPurpose = .run) -> AttemptState? {
        attempts.last { $0.purpose == purpose }
    }

    /// The number for this node's next attempt of `purpose`: one past the highest used so far, in this node
    /// state or in states of it that a subflow retry cleared (`usedBefore`).
    public func nextAttemptNumber(_ purpose: AttemptPurpose, usedBefore: UsedAttempts?) -> Int {
        max(usedBefore?[purpose] ?? 0, attempts.filter { $0.purpose == purpose }.map(\.number).max() ?? 0) + 1
    }

    /// Whether an attempt is queued or running.
    public var hasLiveAttempt: Bool { attempts.contains { !$0.phase.isFinal } }
}
