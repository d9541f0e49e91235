import DockerEngine
import Foundation
import SluiceKube

/// The simulated kubelet (and scheduler): drives every pod in the store through its `PodLifecycle`,
/// writes its status and events, runs its commands with `--run-commands`, and removes deleted pods once
/// their containers have stopped.
///
/// Level-triggered: `reconcile` compares a pod with how far its stages have got and applies what is due;
/// `run()` calls it on every pod change and when the next stage falls due. Tests call
/// `reconcileAll(now:)` with their own times instead.
public actor Kubelet {
    /// How the kubelet runs pods.
    public struct Options: Sendable {
        /// The cluster's nodes, registered as Node objects when the kubelet starts (default: one node of
        /// 4 cpu, 16Gi and 110 pods).
        public var nodes: [SimulatedNode]
        /// Run each container's `command` + `args` as a local process instead of simulating it.
        public var runCommands: Bool
        /// Where `--run-commands` makes each pod's folder.
        public var podRoot: String
        /// The environment every process starts from (before the container's `env`); PATH matters most.
        public var baseEnvironment: [String: String]
        /// Which images pulls find (default: common public images and `kubesim/*`).
        public var images: ImageRegistry = ImageRegistry()
        /// Back-off of image pulls, container restarts and configuration retries (10 s doubling to 5 min).
        public var backoff: KubeletBackoff = KubeletBackoff()
        /// Where `runCommands` runs containers: an engine, local processes, or an engine when one answers.
        public var runtime: ContainerRuntimeChoice = .host
        /// The engine's socket (`unix:///path.sock`); nil looks at DOCKER_HOST and the usual sockets.
        public var engineAddress: String?

        public init(nodes: [SimulatedNode] = [SimulatedNode()], runCommands: Bool = false,
                    podRoot: String = NSTemporaryDirectory() + "kubesim-pods",
                    baseEnvironment: [String: String] = ["PATH": ProcessInfo.processInfo.environment["PATH"]
                                                            ?? "/usr/local/bin:/usr/bin:/bin"]) {
            self.nodes = nodes
            self.runCommands = runCommands
            self.podRoot = podRoot
            self.baseEnvironment = baseEnvironment
        }
    }

    /// What the kubelet knows of one pod (by uid).
    struct TrackedPod {
        let uid: String
        let namespace: String
        let name: String
        var lifecycle: PodLifecycle
        /// How many of the lifecycle's stages have been applied, and the last one.
        var applied = 0
        var current: PodStage?
        /// When the next stage falls due.
        var nextAt: Date?
        var commands: [String: ContainerCommand] = [:]
        var processes: [String: any RunningContainer] = [:]
        var exits: [String: ContainerExit] = [:]
        var started = false
        /// SIGTERM has been sent to its processes (the pod is being deleted).
        var terminating = false
        /// The kubelet has asked the store to remove it.
        var removing = false
        /// When the containers of a deleted simulated pod have stopped (`stop-delay`), once deletion is seen.
        var stopsAt: Date?
        /// The pod's ConfigMaps and Secrets were all there when its containers were due to start.
        var configReady = false
        /// Held for missing configuration: since when, what is missing, and when the kubelet retries.
        var heldSince: Date?
        var holdProblem: PodConfiguration.Problem?
        var holdRetryAt: Date?
        /// Init container runs whose start and end lines are in their logs (`main#0 started`).
        var initLogs: Set<String> = []

        /// Its containers run in the container engine (every one, from its image).
        var inEngine = false

        /// Under `--run-commands`, whether any container runs as a process or in the engine (else it is
        /// simulated whole).
        var runsProcesses: Bool { inEngine || commands.values.contains { !$0.argv.isEmpty } }
    }

    public nonisolated let store: ObjectStore
    public nonisolated let logs: PodLogBook
    public nonisolated let options: Options
    let clock: SimClock
    let events: EventRecorder
    var pods: [String: TrackedPod] = [:]
    /// Each pod's resource requests by uid (they do not change), for `usage(excluding:)`.
    var requestCache: [String: ResourceAmounts] = [:]
    /// Pods the scheduler could not place yet, by uid.
    var waiting: [String: WaitingPod] = [:]
    var waitingSeen = 0
    var podsSeen = 0
    var timer: Task<Void, Never>?
    var timerDeadline: Date?
    var timersEnabled = false
    /// The engine `--run-commands` uses (chosen when `run()` starts), and the images it was found to have.
    var engine: EngineClient?
    var engineImages: Set<String> = []
    var engineMissing: Set<String> = []
    /// The user each engine image runs as (its config's `User`), for runAsNonRoot.
    var engineUsers: [String: String] = [:]
    /// What the kubelet's pulls find: `options.images`, or the engine's images when it runs containers.
    var images: ImageRegistry
    /// Labels the engine containers of this kubelet, so shutdown removes its own and no one else's.
    nonisolated let engineOwner = UUID().uuidString

    public init(store: ObjectStore, clock: SimClock = SystemSimClock(), options: Options = Options(),
                logs: PodLogBook = PodLogBook()) {
        self.store = store
        self.clock = clock
        self.options = options
        self.logs = logs
        images = options.images
        events = EventRecorder(store: store, host: options.nodes.first?.name ?? "kubesim-node-1")
        Self.register(options.nodes, in: store, at: clock.now())
    }

    /// Watches every pod until cancelled (or the store stops), applying stages as they fall due.
    public func run() async throws {
        if options.runCommands { try await chooseRuntime() }
        timersEnabled = true
        defer {
            timersEnabled = false
            timer?.cancel()
            stopAllProcesses()
        }
        do {
            try await watchPods()
        } catch {
            await removeEngineContainers()
            throw error
        }
        await removeEngineContainers()
    }

    func watchPods() async throws {
        // A watch that fell too far behind is ended by the store: start again from the current state.
        // Nodes, ConfigMaps and Secrets change what can be scheduled and started.
        let (store, kubelet) = (self.store, self)
        let cluster = Task {
            try? await WatchLoop.follow(store, [.nodes, .configMaps, .secrets]) { _ in await kubelet.clusterChanged() }
        }
        defer { cluster.cancel() }
        while !Task.isCancelled {
            let subscription = try store.watch(.pods, namespace: nil, from: .current)
            await withTaskCancellationHandler {
                while let batch = await subscription.nextBatch() {
                    if engine != nil { await learnImages(batch) }
                    for event in batch { handle(event) }
                    armTimer()
                }
            } onCancel: {
                subscription.cancel()
            }
            subscription.cancel()
            if subscription.endReason != .tooSlow { return }
            reconcileAll(now: clock.now())
        }
    }

    func handle(_ event: WatchEvent) {
        let object = event.object
        switch event.type {
        case .added, .modified:
            let now = clock.now()
            reconcile(namespace: object.namespace ?? "default", name: object.name, now: now)
            let phase = object.object["status"]?["phase"]?.stringValue
            if event.type == .modified, phase == "Succeeded" || phase == "Failed", !waiting.isEmpty { retryWaiting(now: now) }
        case .deleted:
            if let uid = object.uid { forget(uid) }
            if !waiting.isEmpty { retryWaiting(now: clock.now()) }
        case .bookmark, .error:
            break
        }
    }

    /// Reconciles every pod in the store at `now`, and forgets pods that are gone.
    public func reconcileAll(now: Date) {
        let stored = store.list(.pods, namespace: nil).items
        let live = Set(stored.compactMap(\.uid))
        for uid in pods.keys where !live.contains(uid) { forget(uid) }
        for pod in stored { reconcile(namespace: pod.namespace ?? "default", name: pod.name, now: now) }
        armTimer()
    }

    /// Brings one pod up to date: applies the stages due by `now`, or stops and removes it when deleted.
    public func reconcile(namespace: String, name: String, now: Date) {
        guard let stored = store.get(.pods, namespace: namespace, name: name), let uid = stored.uid else { return }
        let pod = stored.object
        var tracked: TrackedPod
        if let known = pods[uid] {
            tracked = known
        } else {
            guard let node = placement(pod, uid: uid, now: now) else { return }
            tracked = track(pod, uid: uid, node: node, now: now)
        }
        if tracked.removing { return }
        if pod.metadataString("deletionTimestamp") != nil {
            terminate(&tracked, pod: pod, now: now)
        } else {
            retryWithNewImages(&tracked, pod: pod, now: now)
            let deadline = pod["spec"]?["activeDeadlineSeconds"]?.intValue
            if deadline != tracked.lifecycle.activeDeadlineSeconds {
                tracked.lifecycle.activeDeadlineSeconds = deadline
                tracked.lifecycle.deadlineNotBefore = tracked.current?.at
            }
            applyDueStages(&tracked, pod: pod, now: now)
            if let current = tracked.current, !(pod["spec"]?["readinessGates"]?.arrayValue ?? []).isEmpty {
                writeStatus(current.status, tracked: tracked)
            }
        }
        pods[uid] = tracked
    }

    func applyDueStages(_ tracked: inout TrackedPod, pod: JSONObject, now: Date) {
        // Starting processes can end containers at once (a missing executable), and a released hold moves
        // the start: then plan again.
        for _ in 0..<3 {
            let knownExits = tracked.exits.count
            var stages = tracked.lifecycle.stages(exits: options.runCommands && tracked.runsProcesses ? tracked.exits : nil,
                                                  until: now)
            var due: [PodStage] = []
            var replanned = false
            while tracked.applied + due.count < stages.count, stages[tracked.applied + due.count].at <= now {
                let stage = stages[tracked.applied + due.count]
                if !tracked.configReady, ![.accepted, .creating, .initializing, .unschedulable].contains(stage.kind) {
                    switch PodConfiguration.problem(pod, store: store, imageUser: images.user(of:)) {
                    case .some(let problem):
                        if case .env = problem, stage.kind != .running { break }
                        commit(&due, to: pod, tracked: &tracked, now: now)
                        hold(&tracked, pod: pod, problem: problem, now: now)
                        return
                    case .none:
                        tracked.configReady = true
                        if tracked.heldSince != nil {
                            commit(&due, to: pod, tracked: &tracked, now: now)
                            release(&tracked, now: now)
                            stages = []
                            replanned = true
                        }
                    }
                    if replanned { break }
                }
                due.append(stage)
            }
            commit(&due, to: pod, tracked: &tracked, now: now)
            if replanned { continue }
            tracked.nextAt = tracked.applied < stages.count ? stages[tracked.applied].at : nil
            if tracked.exits.count == knownExits || tracked.removing { return }
        }
    }

    /// Applies the stages collected so far.
    func commit(_ due: inout [PodStage], to pod: JSONObject, tracked: inout TrackedPod, now: Date) {
        guard !due.isEmpty else { return }
        tracked.applied += due.count
        apply(due, to: pod, tracked: &tracked, now: now)
        due = []
    }

    /// Starts following a pod the kubelet has not seen: its script, address and log book.
    func track(_ pod: JSONObject, uid: String, node: SimulatedNode, now: Date) -> TrackedPod {
        var problems: [String] = []
        let script = PodScript(pod: pod, problems: &problems)
        let ip = node.podIP(index: podsSeen)
        podsSeen += 1
        let lifecycle = PodLifecycle(pod: pod, script: script, node: node, podIP: ip, firstSeen: now,
                                     registry: images, backoff: options.backoff)
        var tracked = TrackedPod(uid: uid, namespace: lifecycle.namespace, name: lifecycle.name, lifecycle: lifecycle)
        logs.register(namespace: tracked.namespace, pod: tracked.name, uid: uid,
                      containers: (lifecycle.initContainers + lifecycle.containers).map(\.name))
        for problem in problems {
            events.record(SimEvent("Warning", reason: "KubeSimAnnotation", message: problem), about: pod, at: now)
        }
        tracked.inEngine = options.runCommands && engine != nil
        if options.runCommands { planCommands(&tracked, pod: pod, now: now) }
        return tracked
    }

    /// The pod is gone from the store: stop what still runs and drop its logs.
    func forget(_ uid: String) {
        waiting[uid] = nil
        guard let tracked = pods.removeValue(forKey: uid) else { return }
        for process in tracked.processes.values { process.send(SIGKILL) }
        if tracked.inEngine { removeEngineContainers(of: tracked) }
        logs.remove(namespace: tracked.namespace, pod: tracked.name, uid: uid)
        if options.runCommands {
            let folder = ContainerCommand.podFolder(root: options.podRoot, namespace: tracked.namespace,
                                                    pod: tracked.name, uid: uid)
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    func stopAllProcesses() {
        for tracked in pods.values {
            for process in tracked.processes.values { process.send(SIGKILL) }
        }
    }

    /// Sleeps until the earliest stage due, then reconciles; re-armed after every change.
    func armTimer() {
        guard timersEnabled else { return }
        guard let next = pods.values.compactMap(\.nextAt).min() else {
            timer?.cancel()
            timer = nil
            timerDeadline = nil
            return
        }
        if let current = timerDeadline, current <= next, timer != nil { return }
        timer?.cancel()
        timerDeadline = next
        let clock = self.clock
        timer = Task { [weak self] in
            do { try await clock.sleep(until: next) } catch { return }
            await self?.timerFired()
        }
    }

    /// A node, ConfigMap or Secret changed: pods waiting for a node or for their configuration try again.
    func clusterChanged() {
        let now = clock.now()
        if !waiting.isEmpty { retryWaiting(now: now) }
        for tracked in pods.values where tracked.heldSince != nil {
            reconcile(namespace: tracked.namespace, name: tracked.name, now: now)
        }
        armTimer()
    }

    func timerFired() {
        timer = nil
        timerDeadline = nil
        let now = clock.now()
        for tracked in pods.values where tracked.nextAt.map({ $0 <= now }) == true {
            reconcile(namespace: tracked.namespace, name: tracked.name, now: now)
        }
        armTimer()
    }

    /// How many container processes are running (under `--run-commands`).
    public var runningProcessCount: Int { pods.values.reduce(0) { $0 + $1.processes.count } }

    /// The stage a pod has reached (for tests and the admin endpoint).
    public func stage(namespace: String, name: String) -> PodStage.Kind? {
        pods.values.first { $0.namespace == namespace && $0.name == name }?.current?.kind
    }
}
