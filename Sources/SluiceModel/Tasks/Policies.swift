/// Wait between attempts: `base × factor^(n-1)`, capped at `max`.
public struct Backoff: Sendable, Hashable, Codable {
    public var base: DurationValue
    public var factor: Double
    public var max: DurationValue

    public init(base: DurationValue = .seconds(1), factor: Double = 2, max: DurationValue = .seconds(300)) {
        self.base = base
        self.factor = factor
        self.max = max
    }
}

/// How often an action is tried. `attempts` counts every try of user errors (1 = no retry);
/// `systemAttempts` is a separate budget for lost attempts (killed pods, restarts).
public struct RetryPolicy: Sendable, Hashable, Codable {
    public var attempts: Int
    public var systemAttempts: Int
    public var backoff: Backoff

    public init(attempts: Int = 1, systemAttempts: Int = 5, backoff: Backoff = Backoff()) {
        self.attempts = attempts
        self.systemAttempts = systemAttempts
        self.backoff = backoff
    }

    enum CodingKeys: String, CodingKey { case attempts, systemAttempts = "system_attempts", backoff }
}

/// Time limits: one attempt's run time, time spent queued before starting, and a deadline over all attempts.
public struct TimeoutPolicy: Sendable, Hashable, Codable {
    public var runtime: DurationValue?
    public var queued: DurationValue?
    public var deadline: DurationValue?

    public init(runtime: DurationValue? = nil, queued: DurationValue? = nil, deadline: DurationValue? = nil) {
        self.runtime = runtime
        self.queued = queued
        self.deadline = deadline
    }
}

/// Result caching: the key is task name + version + hash of the inputs minus `ignore`.
public struct CachePolicy: Sendable, Hashable, Codable {
    public var version: String
    public var ignore: [String]
    /// One attempt runs while others with the same key wait for its result.
    public var serialize: Bool

    public init(version: String, ignore: [String] = [], serialize: Bool = false) {
        self.version = version
        self.ignore = ignore
        self.serialize = serialize
    }
}

/// A secret the task reads, by reference: mounted as an env var or a file.
public struct SecretRef: Sendable, Hashable, Codable {
    public var name: String
    public var key: String?
    public var env: String?
    public var path: String?

    public init(name: String, key: String? = nil, env: String? = nil, path: String? = nil) {
        self.name = name
        self.key = key
        self.env = env
        self.path = path
    }
}

/// An environment variable, in declaration order.
public struct EnvVar: Sendable, Hashable, Codable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
