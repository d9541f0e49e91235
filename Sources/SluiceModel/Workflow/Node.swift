/// Where a node's pods must run (Kubernetes node name; may use `{{ITEM}}` inside a map).
public struct Placement: Sendable, Hashable, Codable {
    public var node: String?

    public init(node: String? = nil) { self.node = node }
}

/// One vertex of a workflow: a kind plus the settings every kind shares.
public struct Node: Sendable, Hashable, Codable {
    public var id: String
    public var kind: NodeKind
    public var inputs: [InputBinding]
    public var after: [String]
    public var timeout: TimeoutPolicy?
    public var retries: RetryPolicy?
    public var cache: CachePolicy?
    public var placement: Placement?
    public var labels: [String: String]
    public var interruptible: Bool?
    /// The name of the step (from `steps:`) this node belongs to.
    public var step: String?

    public init(id: String, kind: NodeKind, inputs: [InputBinding] = [], after: [String] = [],
                timeout: TimeoutPolicy? = nil, retries: RetryPolicy? = nil, cache: CachePolicy? = nil,
                placement: Placement? = nil, labels: [String: String] = [:], interruptible: Bool? = nil,
                step: String? = nil) {
        self.id = id
        self.kind = kind
        self.inputs = inputs
        self.after = after
        self.timeout = timeout
        self.retries = retries
        self.cache = cache
        self.placement = placement
        self.labels = labels
        self.interruptible = interruptible
        self.step = step
    }
}
