/// One attempt of a node as `GET /api/v1/runs/{id}/nodes/{node}/attempts/{attempt}` shows it: where it ran, as the
/// backend recorded it in the attempt's folder (process, container or pod), and on Kubernetes the Events about its pod.
public struct AttemptDetail: Codable, Sendable, Equatable {
    /// The local backend's task process.
    public struct Process: Codable, Sendable, Equatable {
        /// The task's process id (also its process group id).
        public var pid: Int32
        public init(pid: Int32) { self.pid = pid }
    }

    /// The container backend's container.
    public struct Container: Codable, Sendable, Equatable {
        public var name: String
        /// The engine's container id (nil until the container was created).
        public var id: String?
        public var image: String?
        public init(name: String, id: String? = nil, image: String? = nil) {
            self.name = name
            self.id = id
            self.image = image
        }
    }

    /// The Kubernetes backend's pod.
    public struct Pod: Codable, Sendable, Equatable {
        public var name: String
        public var namespace: String
        /// The node the scheduler put the pod on (nil while it is not scheduled).
        public var node: String?
        public init(name: String, namespace: String, node: String? = nil) {
            self.name = name
            self.namespace = namespace
            self.node = node
        }
    }

    /// A Kubernetes Event about the attempt's pod, as the backend saw it (an Event seen again with a higher
    /// count is listed again).
    public struct PodEvent: Codable, Sendable, Equatable {
        /// When it last occurred (ISO 8601), when the Event says.
        public var time: String?
        /// `Normal` or `Warning`.
        public var type: String
        /// A CamelCase word such as `FailedScheduling`, `Pulled`, `BackOff`.
        public var reason: String
        public var message: String
        public var count: Int?
        public init(time: String? = nil, type: String, reason: String, message: String, count: Int? = nil) {
            self.time = time
            self.type = type
            self.reason = reason
            self.message = message
            self.count = count
        }
    }

    public var number: Int
    /// `run` or `revert`.
    public var purpose: String
    public var state: String
    /// The backend of the attempt's run: `local`, `container` or `kubernetes`.
    public var backend: String
    /// The attempt's folder (logs, inputs, outputs, the backend's records), when the backend keeps one.
    public var folder: String?
    public var process: Process?
    public var container: Container?
    public var pod: Pod?
    /// Kubernetes only: Events about the pod, oldest first (an empty list when none came).
    public var events: [PodEvent]?

    public init(number: Int, purpose: String, state: String, backend: String, folder: String? = nil, process: Process? = nil,
                container: Container? = nil, pod: Pod? = nil, events: [PodEvent]? = nil) {
        self.number = number
        self.purpose = purpose
        self.state = state
        self.backend = backend
        self.folder = folder
        self.process = process
        self.container = container
        self.pod = pod
        self.events = events
    }
}
