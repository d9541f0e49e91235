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
    /// Secrets given to each replica (as for tasks: a variable, or a file at `path` where the backend can mount
    /// one). Only their names travel with the spec; values are read where the replica starts.
    public var secrets: [SecretRef]
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
                secrets: [SecretRef] = [], port: Int = 8080, resources: Resources = Resources(), replicas: ReplicaPolicy = ReplicaPolicy(),
                health: HealthCheck = HealthCheck(), startupGrace: DurationValue = .seconds(30),
                requestTimeout: DurationValue = .seconds(60), isPublic: Bool = false) {
        self.name = name
        self.image = image
        self.command = command
        self.args = args
        self.env = env
        self.secrets = secrets
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
        case name, image, command, args, env, secrets, port, resources, replicas, health, isPublic = "public"
        case startupGrace = "startup_grace", requestTimeout = "request_timeout"
    }

    /// Specs stored before apps had `secrets` decode with none; `secrets` is left out of the encoding when empty,
    /// so an app without secrets keeps the spec (and the Kubernetes spec hash) it had.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        image = try c.decodeIfPresent(String.self, forKey: .image)
        command = try c.decode([String].self, forKey: .command)
        args = try c.decode([String].self, forKey: .args)
        env = try c.decode([EnvVar].self, forKey: .env)
        secrets = try c.decodeIfPresent([SecretRef].self, forKey: .secrets) ?? []
        port = try c.decode(Int.self, forKey: .port)
        resources = try c.decode(Resources.self, forKey: .resources)
        replicas = try c.decode(ReplicaPolicy.self, forKey: .replicas)
        health = try c.decode(HealthCheck.self, forKey: .health)
        startupGrace = try c.decode(DurationValue.self, forKey: .startupGrace)
        requestTimeout = try c.decode(DurationValue.self, forKey: .requestTimeout)
        isPublic = try c.decode(Bool.self, forKey: .isPublic)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encodeIfPresent(image, forKey: .image)
        try c.encode(command, forKey: .command)
        try c.encode(args, forKey: .args)
        try c.encode(env, forKey: .env)
        if !secrets.isEmpty { try c.encode(secrets, forKey: .secrets) }
        try c.encode(port, forKey: .port)
        try c.encode(resources, forKey: .resources)
        try c.encode(replicas, forKey: .replicas)
        try c.encode(health, forKey: .health)
        try c.encode(startupGrace, forKey: .startupGrace)
        try c.encode(requestTimeout, forKey: .requestTimeout)
        try c.encode(isPublic, forKey: .isPublic)
    }
}
