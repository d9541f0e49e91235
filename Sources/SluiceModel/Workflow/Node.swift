/// Where a node's pods must run: a Kubernetes node name (may use `{{ITEM}}` inside a map), node labels, and raw
/// affinity and tolerations for what labels alone cannot say. The local backend ignores it.
public struct Placement: Sendable, Hashable, Codable {
    public var node: String?
    /// `node_selector: {k: v}`: node labels the pod's node must have (merged with `node`'s hostname label).
    public var nodeSelector: [String: String]?
    /// A raw Kubernetes `Affinity` object (`nodeAffinity`, `podAffinity`, `podAntiAffinity`).
    public var affinity: LiteralValue?
    /// Raw Kubernetes tolerations, added to those the pod gets from the cluster settings.
    public var tolerations: [LiteralValue]?

    public init(node: String? = nil, nodeSelector: [String: String]? = nil, affinity: LiteralValue? = nil,
                tolerations: [LiteralValue]? = nil) {
        self.node = node
        self.nodeSelector = nodeSelector
        self.affinity = affinity
        self.tolerations = tolerations
    }

    enum CodingKeys: String, CodingKey { case node, nodeSelector = "node_selector", affinity, tolerations }
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
