/// A container to run: image, command, args, env and ports.
public struct ContainerSpec: Sendable, Hashable, Codable {
    public var image: String?
    public var command: [String]
    public var args: [String]
    public var env: [EnvVar]
    public var ports: [Int]
    public var workingDir: String?
    /// `network: true` gives the container a network; container backends run it with none otherwise.
    public var network: Bool?
    /// `user: "1000:1000"` runs the container as that user (`uid[:gid]` or a name in the image).
    public var user: String?
    /// `read_only: true` mounts the image's root file system read-only (`/tmp` and the attempt folder stay writable).
    public var readOnlyRootFilesystem: Bool?
    /// `security: {...}`: what the task loosens of the Kubernetes security defaults (non-root, no privilege
    /// escalation, no capabilities).
    public var security: ContainerSecurity?

    public init(image: String? = nil, command: [String] = [], args: [String] = [], env: [EnvVar] = [],
                ports: [Int] = [], workingDir: String? = nil, network: Bool? = nil, user: String? = nil,
                readOnlyRootFilesystem: Bool? = nil, security: ContainerSecurity? = nil) {
        self.security = security
        self.network = network
        self.user = user
        self.readOnlyRootFilesystem = readOnlyRootFilesystem
        self.image = image
        self.command = command
        self.args = args
        self.env = env
        self.ports = ports
        self.workingDir = workingDir
    }

    enum CodingKeys: String, CodingKey {
        case image, command, args, env, ports, workingDir = "working_dir", network, user, readOnlyRootFilesystem = "read_only", security
    }
}

/// The security defaults a container task loosens, each explicitly: `run_as_root`, `privilege_escalation`, and
/// Linux `capabilities` to add back after dropping all.
public struct ContainerSecurity: Sendable, Hashable, Codable {
    /// Run as root (uid 0) instead of the non-root default (65532).
    public var runAsRoot: Bool
    /// Allow setuid binaries and the like to gain privileges.
    public var privilegeEscalation: Bool
    /// Capabilities added back (`NET_ADMIN`, without `CAP_`).
    public var capabilities: [String]

    public init(runAsRoot: Bool = false, privilegeEscalation: Bool = false, capabilities: [String] = []) {
        self.runAsRoot = runAsRoot
        self.privilegeEscalation = privilegeEscalation
        self.capabilities = capabilities
    }

    enum CodingKeys: String, CodingKey { case runAsRoot = "run_as_root", privilegeEscalation = "privilege_escalation", capabilities }
}

/// What executes a task: a container, a raw pod template, or a plugin such as `sql`.
public enum TaskRuntime: Sendable, Hashable, Codable {
    case container(ContainerSpec)
    /// A Kubernetes PodSpec given as JSON; `primaryContainer` names the container whose exit decides the attempt.
    case pod(spec: LiteralValue, primaryContainer: String)
    /// A task type handled by a plugin, with the plugin's own configuration.
    case plugin(type: String, config: LiteralValue)
}

/// A command run to undo a task's effect when the flow fails with `policy: revert`.
public struct RevertSpec: Sendable, Hashable, Codable {
    public var command: [String]
    public var args: [String]
    public var env: [EnvVar]

    public init(command: [String], args: [String] = [], env: [EnvVar] = []) {
        self.command = command
        self.args = args
        self.env = env
    }
}

/// A reusable unit of work with a typed interface.
public struct TaskTemplate: Sendable, Hashable, Codable {
    public var name: String
    public var description: String?
    public var interface: Interface
    public var runtime: TaskRuntime
    public var resources: Resources
    public var retries: RetryPolicy?
    public var timeout: TimeoutPolicy?
    public var cache: CachePolicy?
    public var interruptible: Bool?
    /// A task that reports heartbeats and goes silent longer than this is lost (system error).
    public var heartbeat: DurationValue?
    public var labels: [String: String]
    public var annotations: [String: String]
    public var tags: [String]
    public var secrets: [SecretRef]
    public var revert: RevertSpec?
    /// `uses: [NAME]`: the apps of the flow file the task calls; each attempt gets `SLUICE_APP_<NAME>_URL`.
    public var uses: [String]?

    public init(name: String, description: String? = nil, interface: Interface = Interface(),
                runtime: TaskRuntime = .container(ContainerSpec()), resources: Resources = Resources(),
                retries: RetryPolicy? = nil, timeout: TimeoutPolicy? = nil, cache: CachePolicy? = nil,
                interruptible: Bool? = nil, heartbeat: DurationValue? = nil, labels: [String: String] = [:],
                annotations: [String: String] = [:], tags: [String] = [], secrets: [SecretRef] = [],
                revert: RevertSpec? = nil) {
        self.name = name
        self.description = description
        self.interface = interface
        self.runtime = runtime
        self.resources = resources
        self.retries = retries
        self.timeout = timeout
        self.cache = cache
        self.interruptible = interruptible
        self.heartbeat = heartbeat
        self.labels = labels
        self.annotations = annotations
        self.tags = tags
        self.secrets = secrets
        self.revert = revert
    }
}
