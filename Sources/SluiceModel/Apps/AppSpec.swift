/// How many replicas an app runs and when it scales.
public struct ReplicaPolicy: Sendable, Hashable, Codable {
    public var min: Int
    public var max: Int
    /// Concurrent requests per replica that trigger scaling up.
    public var targetConcurrency: Int?

    public init(min: Int = 1, max: Int = 1, targetConcurrency: Int? = nil) {
        self.min = min
        self.max = max
        self.targetConcurrency = targetConcurrency
    }

    enum CodingKeys: String, CodingKey { case min, max, targetConcurrency = "target_concurrency" }
}

/// An HTTP health check: a replica failing `failures` checks in a row is restarted.
public struct HealthCheck: Sendable, Hashable, Codable {
    public var path: String
    public var interval: DurationValue
    public var timeout: DurationValue
    public var failures: Int

    public init(path: String = "/healthz", interval: DurationValue = .seconds(5), timeout: DurationValue = .seconds(1),
                failures: Int = 3) {
        self.path = path
        self.interval = interval
        self.timeout = timeout
        self.failures = failures
    }
}

/// A long-running HTTP service the controller keeps alive and routes clients to.
public struct AppSpec: Sendable, Hashable, Codable {
    public var name: String
    public var image: String?
    public var command: [String]
    public var args: [String]
    public var env: [EnvVar]
    public var port: Int
    public var resources: Resources
    public var replicas: ReplicaPolicy
    public var health: HealthCheck
    /// How long a new replica may take to answer its first health check before it counts as failed.
    public var startupGrace: DurationValue
    /// The longest the gateway waits for a replica's response (its head, and then each part of its body).
    public var requestTimeout: DurationValue
    public var isPublic: Bool

    public init(name: String, image: String? = nil, command: [String] = [], args: [String] = [], env: [EnvVar] = [],
                port: Int = 8080, resources: Resources = Resources(), replicas: ReplicaPolicy = ReplicaPolicy(),
                health: HealthCheck = HealthCheck(), startupGrace: DurationValue = .seconds(30),
                requestTimeout: DurationValue = .seconds(60), isPublic: Bool = false) {
        self.name = name
        self.image = image
        self.command = command
        self.args = args
        self.env = env
        self.port = port
        self.resources = resources
        self.replicas = replicas
        self.health = health
        self.startupGrace = startupGrace
        self.requestTimeout = requestTimeout
        self.isPublic = isPublic
    }

    /// The fields this spec sets that the local app runtime (replica processes) does not apply yet: they matter on
    /// container and Kubernetes backends. `sluice apps deploy` names them rather than drop them silently.
    public var notAppliedLocally: [String] {
        var out: [String] = []
        if image != nil, !command.isEmpty { out.append("image") }
        if resources != Resources() { out.append("resources") }
        return out
    }

    enum CodingKeys: String, CodingKey {
        case name, image, command, args, env, port, resources, replicas, health, isPublic = "public"
        case startupGrace = "startup_grace", requestTimeout = "request_timeout"
    }
}
