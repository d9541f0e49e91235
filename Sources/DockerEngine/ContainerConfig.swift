import SluiceKube

/// The body of `POST /containers/create`: what to run and the host settings it runs under. Only the
/// fields Sluice sets; `json` renders the engine's field names.
public struct ContainerConfig: Sendable, Hashable {
    public var image: String
    /// Replaces the image's entrypoint when non-nil (an empty array clears it).
    public var entrypoint: [String]?
    /// The image's `CMD` when nil.
    public var cmd: [String]?
    public var env: [String: String] = [:]
    public var workingDir: String?
    public var labels: [String: String] = [:]
    /// `uid[:gid]` or a user name; the image's user when nil.
    public var user: String?
    public var host = HostConfig()

    public init(image: String) { self.image = image }

    /// Resources, mounts, network and security of the container.
    public struct HostConfig: Sendable, Hashable {
        /// `host:container[:ro]` bind mounts.
        public var binds: [String] = []
        /// Hard memory limit in bytes (0: none).
        public var memory: Int64 = 0
        /// Soft memory limit in bytes (0: none).
        public var memoryReservation: Int64 = 0
        /// CPU quota in units of 10⁻⁹ CPUs (0: none).
        public var nanoCpus: Int64 = 0
        /// /dev/shm size in bytes (0: the engine's default, 64 MiB).
        public var shmSize: Int64 = 0
        /// `none`, `bridge`, `host` or a network name.
        public var networkMode = "none"
        public var readonlyRootfs = false
        /// GPUs: `count` devices of `driver` (`-1` all).
        public var gpus: (driver: String, count: Int)? {
            get { gpuRequest.map { ($0.driver, $0.count) } }
            set { gpuRequest = newValue.map { GPURequest(driver: $0.driver, count: $0.count) } }
        }
        var gpuRequest: GPURequest?
        /// A tmpfs mounted at each path (e.g. `/tmp` on a read-only root file system).
        public var tmpfs: [String] = []
        public var pidsLimit: Int64 = 0
        /// Extra groups the process joins (numeric ids or names).
        public var groupAdd: [String] = []
        /// Capabilities added to and dropped from the engine's default set (`ALL`, `NET_ADMIN`, ...).
        public var capAdd: [String] = []
        public var capDrop: [String] = []
        /// `no-new-privileges`, `seccomp=unconfined`, ...
        public var securityOpt: [String] = []
        public var privileged = false
        /// Container ports published on the host (`-p HOSTIP:HOSTPORT:PORT`); the network mode must not be `none`.
        public var portBindings: [PortBinding] = []

        public init() {}
    }

    /// One TCP port of the container reachable at `hostIP:hostPort`.
    public struct PortBinding: Sendable, Hashable {
        public var containerPort: Int
        public var hostIP: String
        public var hostPort: Int

        public init(containerPort: Int, hostIP: String, hostPort: Int) {
            self.containerPort = containerPort
            self.hostIP = hostIP
            self.hostPort = hostPort
        }
    }

    struct GPURequest: Sendable, Hashable {
        var driver: String
        var count: Int
    }

    /// The engine's JSON.
    public var json: JSONValue {
        var o = JSONObject()
        o["Image"] = .string(image)
        if let entrypoint { o["Entrypoint"] = strings(entrypoint) }
        if let cmd { o["Cmd"] = strings(cmd) }
        o["Env"] = strings(env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        if let workingDir { o["WorkingDir"] = .string(workingDir) }
        var labels = JSONObject()
        for (k, v) in self.labels.sorted(by: { $0.key < $1.key }) { labels[k] = .string(v) }
        o["Labels"] = .object(labels)
        if let user { o["User"] = .string(user) }
        if !host.portBindings.isEmpty {
            var exposed = JSONObject()
            for b in host.portBindings { exposed["\(b.containerPort)/tcp"] = .object(JSONObject()) }
            o["ExposedPorts"] = .object(exposed)
        }
        o["Tty"] = .bool(false)
        o["AttachStdout"] = .bool(false)
        o["AttachStderr"] = .bool(false)
        o["HostConfig"] = host.json
        return .object(o)
    }

    private func strings(_ a: [String]) -> JSONValue { .array(a.map { .string($0) }) }
}

extension ContainerConfig.HostConfig {
    var json: JSONValue {
        var h = JSONObject()
        h["Binds"] = .array(binds.map { .string($0) })
        if memory > 0 { h["Memory"] = .int(memory) }
        if memoryReservation > 0 { h["MemoryReservation"] = .int(memoryReservation) }
        if nanoCpus > 0 { h["NanoCpus"] = .int(nanoCpus) }
        if shmSize > 0 { h["ShmSize"] = .int(shmSize) }
        if pidsLimit > 0 { h["PidsLimit"] = .int(pidsLimit) }
        h["NetworkMode"] = .string(networkMode)
        h["ReadonlyRootfs"] = .bool(readonlyRootfs)
        if !tmpfs.isEmpty {
            var t = JSONObject()
            for p in tmpfs { t[p] = .string("rw,exec,mode=1777") }
            h["Tmpfs"] = .object(t)
        }
        if !groupAdd.isEmpty { h["GroupAdd"] = .array(groupAdd.map { .string($0) }) }
        if !capAdd.isEmpty { h["CapAdd"] = .array(capAdd.map { .string($0) }) }
        if !capDrop.isEmpty { h["CapDrop"] = .array(capDrop.map { .string($0) }) }
        if !securityOpt.isEmpty { h["SecurityOpt"] = .array(securityOpt.map { .string($0) }) }
        if privileged { h["Privileged"] = .bool(true) }
        if !portBindings.isEmpty {
            var ports = JSONObject()
            for b in portBindings {
                let binding: JSONValue = .object(["HostIp": .string(b.hostIP), "HostPort": .string(String(b.hostPort))])
                ports["\(b.containerPort)/tcp"] = .array((ports["\(b.containerPort)/tcp"]?.arrayValue ?? []) + [binding])
            }
            h["PortBindings"] = .object(ports)
        }
        if let g = gpuRequest {
            h["DeviceRequests"] = [["Driver": .string(g.driver), "Count": .int(Int64(g.count)), "Capabilities": [["gpu"]]]]
        }
        return .object(h)
    }
}
