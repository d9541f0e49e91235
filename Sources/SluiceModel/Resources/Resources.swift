/// Amounts of the resources a container asks for or is capped at.
public struct ResourceList: Sendable, Hashable, Codable {
    public var cpu: Quantity?
    public var memory: Quantity?
    public var gpu: Quantity?
    public var ephemeralStorage: Quantity?

    public init(cpu: Quantity? = nil, memory: Quantity? = nil, gpu: Quantity? = nil, ephemeralStorage: Quantity? = nil) {
        self.cpu = cpu
        self.memory = memory
        self.gpu = gpu
        self.ephemeralStorage = ephemeralStorage
    }

    /// Each named amount, in a fixed order, for checks that treat them alike.
    public var entries: [(name: String, value: Quantity)] {
        [("cpu", cpu), ("memory", memory), ("gpu", gpu), ("ephemeral_storage", ephemeralStorage)]
            .compactMap { name, q in q.map { (name, $0) } }
    }

    public var isEmpty: Bool { entries.isEmpty }

    enum CodingKeys: String, CodingKey { case cpu, memory, gpu, ephemeralStorage = "ephemeral_storage" }
}

/// Requests, limits and the accelerator a task's container needs.
public struct Resources: Sendable, Hashable, Codable {
    public var requests: ResourceList
    public var limits: ResourceList
    /// Accelerator device class, e.g. `nvidia-tesla-a100`; becomes a node selector on Kubernetes.
    public var accelerator: String?
    /// Size of the container's `/dev/shm` (container backends; a memory-backed `emptyDir` on Kubernetes).
    public var shm: Quantity?

    public init(requests: ResourceList = .init(), limits: ResourceList = .init(), accelerator: String? = nil, shm: Quantity? = nil) {
        self.shm = shm
        self.requests = requests
        self.limits = limits
        self.accelerator = accelerator
    }
}
