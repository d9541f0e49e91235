import SluiceModel

/// Everything a backend needs to run one attempt, with inputs resolved and placeholders substituted.
public struct AttemptSpec: Sendable, Hashable, Codable {
    public var runID: String
    public var ref: AttemptRef
    /// Deterministic external name (`<run>-<node>-<attempt>`), so a restarted controller adopts what exists.
    public var name: String
    public var task: TaskTemplate
    public var image: String?
    /// argv with `{{inputs.NAME}}` substituted.
    public var command: [String]
    public var env: [EnvVar]
    public var inputs: [String: LiteralValue]
    /// The inputs as the JSON object tasks read from `$SLUICE_INPUTS`.
    public var inputsJSON: String
    public var resources: Resources
    public var placement: Placement?
    public var labels: [String: String]
    /// Whether the attempt may run on interruptible (spot) capacity: the node asks for it and this is not the
    /// last attempt its retry budgets allow (that one runs on regular capacity, so a run is not lost to preemption).
    public var interruptible: Bool
    /// The flow's name (the `sluice.dev/flow` label of a pod).
    public var flow: String?
    /// The step (from `steps:`) the node belongs to, for the `sluice.dev/step` label.
    public var step: String?

    public init(runID: String, ref: AttemptRef, name: String, task: TaskTemplate, image: String?, command: [String],
                env: [EnvVar], inputs: [String: LiteralValue], inputsJSON: String, resources: Resources,
                placement: Placement?, labels: [String: String], interruptible: Bool, step: String? = nil) {
        self.step = step
        self.runID = runID
        self.ref = ref
        self.name = name
        self.task = task
        self.image = image
        self.command = command
        self.env = env
        self.inputs = inputs
        self.inputsJSON = inputsJSON
        self.resources = resources
        self.placement = placement
        self.labels = labels
        self.interruptible = interruptible
    }
}

/// What the engine asks its caller to do, after the new state is durable.
public enum Effect: Sendable, Hashable, Codable {
    case startAttempt(AttemptSpec)
    case cancelAttempt(AttemptRef, reason: CancelReason)
    case lookupCache(node: String, key: String, serialize: Bool)
    case storeCache(key: String, task: String, version: String, outputsJSON: String, node: String)
    case releaseCache(key: String, node: String)
    /// Call `step` again at this time even if nothing is observed.
    case wakeAt(Timestamp)
    case finished(RunPhase)
}

/// A line of the run's history, written in the same transaction as the state it explains.
public struct RunEvent: Sendable, Hashable, Codable {
    public var at: Timestamp
    public var kind: String
    public var node: String?
    public var attempt: Int?
    public var message: String
    /// A `progress` event's report (fraction, message, metrics), for clients that show it live.
    public var progress: Progress?

    public init(at: Timestamp, kind: String, node: String? = nil, attempt: Int? = nil, message: String, progress: Progress? = nil) {
        self.at = at
        self.kind = kind
        self.node = node
        self.attempt = attempt
        self.message = message
        self.progress = progress
    }
}

/// The result of one `step`: what changed, the history it adds, and the effects to perform.
public struct StepResult: Sendable {
    /// Node ids whose state changed (to persist).
    public var changedNodes: Set<String>
    public var headerChanged: Bool
    public var events: [RunEvent]
    public var effects: [Effect]
}
