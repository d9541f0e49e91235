import DockerEngine
import Foundation
import SluiceEngine
import SluiceModel

/// How one attempt becomes a container: its deterministic name, labels, command, environment, the attempt
/// folder mounted at `/sluice`, resources, network, user and secrets.
struct ContainerPlan: Sendable {
    /// Where the attempt folder appears inside the container.
    static let mountPoint = "/sluice"
    static let managedLabel = "sluice.dev/managed"
    static let runLabel = "sluice.dev/run"
    static let nodeLabel = "sluice.dev/node"
    static let attemptLabel = "sluice.dev/attempt"
    static let purposeLabel = "sluice.dev/purpose"
    /// Which store's attempt it is: container names are global to the engine, run ids only to a store.
    static let storeLabel = "sluice.dev/store"

    let name: String
    var config: ContainerConfig
    /// The apps the task `uses:`: its container joins the bridge network, and the backend points their
    /// `SLUICE_APP_<NAME>_URL` at the server's app gateway there (`ContainerAppGateway`).
    let usedApps: [String]

    /// `sluice-<store>-<run>-<node>-<attempt>`: deterministic, so a second start of the same attempt meets the
    /// first one's container (409) instead of starting another; the store part keeps two stores that use the
    /// same run id (`--run-id nightly`) from meeting each other's containers.
    static func name(store: String, runID: String, _ ref: AttemptRef) -> String {
        (store.isEmpty ? "sluice-" : "sluice-\(store)-") + KubeName.attempt(runID: runID, ref)
    }

    static func labels(store: String, runID: String, _ ref: AttemptRef) -> [String: String] {
        var labels = [managedLabel: "true", runLabel: runID, nodeLabel: ref.node, attemptLabel: String(ref.attempt),
                      purposeLabel: ref.purpose == .revert ? "revert" : "run"]
        if !store.isEmpty { labels[storeLabel] = store }
        return labels
    }

    /// A short, stable name for the store whose attempts live under `root` (FNV-1a of the path, 8 hex digits).
    static func storeID(root: String) -> String {
        let hex = String(FNV1a.hash(root.utf8), radix: 16)
        return String((String(repeating: "0", count: max(0, 16 - hex.count)) + hex).prefix(8))
    }

    /// The attempt a container's labels name, or nil for a container of someone else.
    static func ref(labels: [String: String]) -> (runID: String, ref: AttemptRef)? {
        guard labels[managedLabel] == "true", let run = labels[runLabel], let node = labels[nodeLabel],
              let attempt = labels[attemptLabel].flatMap({ Int($0) }) else { return nil }
        return (run, AttemptRef(node: node, attempt: attempt, purpose: labels[purposeLabel] == "revert" ? .revert : .run))
    }

    /// Builds the container for `spec`; throws (with the task's field) what cannot be honoured.
    init(_ spec: AttemptSpec, store: String = "", folder: String, environment: [String: String], secrets: LocalSecrets) throws(BackendError) {
        guard case .container(let c) = spec.task.runtime else {
            throw BackendError("task '\(spec.task.name)' is not a container task; the container backend runs only container tasks")
        }
        guard let image = spec.image ?? c.image, !image.isEmpty else {
            throw BackendError("task '\(spec.task.name)' has no image; the container backend runs every task in its image")
        }
        name = Self.name(store: store, runID: spec.runID, spec.ref)
        var config = ContainerConfig(image: image)
        Self.setCommand(spec.command, replacingEntrypoint: spec.ref.purpose == .revert || !c.command.isEmpty, in: &config)
        var env = environment
        for e in spec.env { env[e.name] = e.value }
        env["SLUICE_RUN_ID"] = spec.runID
        env["SLUICE_NODE_ID"] = spec.ref.node
        env["SLUICE_ATTEMPT"] = String(spec.ref.attempt)
        env["SLUICE_INPUTS"] = Self.mountPoint + "/inputs.json"
        env["SLUICE_OUTPUTS"] = Self.mountPoint + "/outputs.json"
        env["SLUICE_PROGRESS"] = Self.mountPoint + "/progress.jsonl"
        config.host.binds = [folder + ":" + Self.mountPoint]
        try Self.addSecrets(spec.task.secrets, from: secrets, env: &env, binds: &config.host.binds)
        config.env = env
        if spec.ref.purpose == .run, let dir = c.workingDir {
            config.workingDir = dir.hasPrefix("/") ? dir : Self.mountPoint + "/work/" + dir
        }
        config.labels = spec.labels.merging(Self.labels(store: store, runID: spec.runID, spec.ref)) { _, ours in ours }
        Self.apply(spec.resources, to: &config.host)
        // None unless the task asks for a network, or uses an app (reached through the server on the bridge network).
        usedApps = spec.task.uses ?? []
        config.host.networkMode = c.network == true || !usedApps.isEmpty ? ContainerBackend.appNetwork : "none"
        config.user = c.user
        if c.readOnlyRootFilesystem == true {
            config.host.readonlyRootfs = true
            config.host.tmpfs = ["/tmp"]
        }
        self.config = config
    }

    /// A task's or an app's `command` + `args`: with a `command` they replace the image's entrypoint (and its CMD);
    /// `args` alone are the arguments of the image's entrypoint; neither keeps the image's own.
    static func setCommand(_ commandAndArgs: [String], replacingEntrypoint: Bool, in config: inout ContainerConfig) {
        if replacingEntrypoint {
            config.entrypoint = commandAndArgs
            config.cmd = []
        } else if !commandAndArgs.isEmpty {
            config.cmd = commandAndArgs  // args for the image's entrypoint
        }
    }

    /// cpu → NanoCpus, memory limit → Memory, memory request → MemoryReservation, gpu → DeviceRequests
    /// (nvidia), shm → ShmSize. A limit without a request is also the request, as on Kubernetes.
    static func apply(_ r: Resources, to host: inout ContainerConfig.HostConfig) {
        if let cpu = r.limits.cpu ?? r.requests.cpu { host.nanoCpus = Int64(clamping: cpu.milliValue) * 1_000_000 }
        if let memory = r.limits.memory { host.memory = bytes(memory) }
        if let request = r.requests.memory { host.memoryReservation = min(bytes(request), host.memory > 0 ? host.memory : .max) }
        if let gpu = r.limits.gpu ?? r.requests.gpu, gpu.milliValue > 0 {
            host.gpus = (driver: "nvidia", count: Int((gpu.milliValue + 999) / 1000))
        }
        if let shm = r.shm { host.shmSize = bytes(shm) }
    }

    static func bytes(_ q: Quantity) -> Int64 { Int64(clamping: q.milliValue / 1000) }
}

extension ContainerPlan {
    /// Task or app secrets read from `secrets`: a variable each (its value), or for `path` the secret's file
    /// bind-mounted read-only there.
    static func addSecrets(_ refs: [SecretRef], from secrets: LocalSecrets, env: inout [String: String],
                           binds: inout [String]) throws(BackendError) {
        for s in refs {
            if let path = s.path {
                guard secrets.exists(s) else { throw BackendError("secret '\(s.name)' cannot be read from \(secrets.file(s))") }
                binds.append(secrets.file(s) + ":" + path + ":ro")
            } else {
                env[LocalSecrets.variable(s)] = try secrets.value(s)
            }
        }
    }
}
