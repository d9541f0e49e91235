/// One replica of an app as `apps status` shows it.
public struct AppReplicaView: Codable, Sendable, Equatable {
    /// 0-based; stable while the app runs (`apps logs --replica N`).
    public var index: Int
    /// `starting`, `healthy`, `restarting` (waiting out its backoff; on Kubernetes: its container ended and the
    /// kubelet starts it again), `crash-loop` or `stopped`; on Kubernetes also
    /// `failing` (its container cannot start: an image pull or configuration error) and `stopping` (terminating).
    public var state: String
    /// Its process id (local backend).
    public var pid: Int?
    /// Its container's short id (container backend).
    public var container: String?
    /// The loopback port the gateway reaches the replica on (on the local backend its `$PORT`; on the container
    /// backend the host port its container's `port` is published on).
    public var port: Int?
    /// How often this replica was restarted.
    public var restarts: Int
    /// Why the replica last stopped: "exited with code 3", "killed by signal 9", "failed 3 health checks: ...".
    public var lastExit: String?
    /// When the replica last became healthy (ISO 8601), if it is healthy.
    public var healthySince: String?
    /// The replica's pod (Kubernetes backend).
    public var pod: String?

    public init(index: Int, state: String, pid: Int? = nil, container: String? = nil, port: Int? = nil, restarts: Int = 0,
                lastExit: String? = nil, healthySince: String? = nil) {
        self.index = index
        self.state = state
        self.pid = pid
        self.container = container
        self.port = port
        self.restarts = restarts
        self.lastExit = lastExit
        self.healthySince = healthySince
    }

    enum CodingKeys: String, CodingKey {
        case index, state, pid, container, port, restarts, lastExit = "last_exit", healthySince = "healthy_since", pod
    }
}

/// A deployed app: its desired and observed state (`GET /api/v1/apps/{name}`).
public struct AppView: Codable, Sendable, Equatable {
    public var name: String
    /// `healthy` (every replica), `degraded` (some), `starting`, `crash-loop` (a replica keeps failing), `idle`
    /// (scaled to zero), `updating` (a rolling update under way), `stopped`; on Kubernetes also `failing` (a pod's
    /// container cannot start: an image pull or configuration error, named in `last_error`).
    public var state: String
    /// Whether the app should run (`apps stop` clears it, `apps start` sets it).
    public var running: Bool
    /// The replicas it should run.
    public var replicas: Int
    /// The replicas answering their health checks now.
    public var healthy: Int
    /// Restarts over all replicas.
    public var restarts: Int
    /// The most recent reason a replica stopped, if any did.
    public var lastError: String?
    /// Whether the gateway serves it without a token.
    public var isPublic: Bool
    /// Where clients reach it: `AppDeploy.url`, the server's `/apps/NAME`.
    public var endpoint: String?
    public var replicaStates: [AppReplicaView]

    public init(name: String, state: String, running: Bool, replicas: Int, healthy: Int, restarts: Int, lastError: String?,
                isPublic: Bool, endpoint: String? = nil, replicaStates: [AppReplicaView]) {
        self.name = name
        self.state = state
        self.running = running
        self.replicas = replicas
        self.healthy = healthy
        self.restarts = restarts
        self.lastError = lastError
        self.isPublic = isPublic
        self.endpoint = endpoint
        self.replicaStates = replicaStates
    }

    enum CodingKeys: String, CodingKey {
        case name, state, running, replicas, healthy, restarts, lastError = "last_error", isPublic = "public", endpoint
        case replicaStates = "replica_states"
    }
}

/// `GET /api/v1/apps` and what a deploy answers: apps by name.
public struct AppList: Codable, Sendable, Equatable {
    public var apps: [AppView]

    public init(apps: [AppView]) { self.apps = apps }
}

/// The body of `POST /api/v1/apps`: the text of an apps file (or a flow file with `apps:`), and its name for messages.
public struct DeployApps: Codable, Sendable, Equatable {
    public var file: String
    public var filename: String?

    public init(file: String, filename: String? = nil) {
        self.file = file
        self.filename = filename
    }
}

/// The body of `POST /api/v1/apps/{name}/scale`.
public struct ScaleApp: Codable, Sendable, Equatable {
    public var replicas: Int

    public init(replicas: Int) { self.replicas = replicas }
}
