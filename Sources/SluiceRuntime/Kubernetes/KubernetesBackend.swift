import Foundation
import Logging
import SluiceEngine
import SluiceKube
import SluiceModel
import Synchronization

/// Settings of the Kubernetes backend (`serve|run --backend kubernetes` flags, the chart's values).
public struct KubernetesSettings: Sendable {
    /// What every pod shares: namespace, store label, spot tolerations, accelerator label.
    public var pod: KubePodSettings
    /// A pod the scheduler cannot place fails (a system failure) after this long.
    public var unschedulableGrace: Duration = .seconds(600)
    /// A pod whose image does not pull fails (a user failure) after this long.
    public var imagePullGrace: Duration = .seconds(180)
    /// Finished pods are deleted this long after their end, once their logs are in the store.
    public var deleteAfter: Duration = .seconds(600)
    /// Pods alive at once over all runs; more attempts wait, visibly.
    public var maxPods = 500
    /// Pods alive at once for one run.
    public var maxPodsPerRun = 100
    /// Pod creations per second (a token bucket of its own, below the client's QPS).
    public var podCreateQPS: Double = 20
    public var podCreateBurst = 20
    /// How long a restarted controller waits for the first pod list before it adopts by markers alone.
    public var adoptSyncWait: Duration = .seconds(30)
    /// How often graces and the slot queue are checked.
    public var tick: Duration = .seconds(1)
    /// Running pods whose log is followed live into the store at once (one streamed request each); the logs of
    /// others are copied when they end.
    public var maxLogFollows = 200

    public init(pod: KubePodSettings) { self.pod = pod }
}

/// Runs each attempt as a pod through the Kubernetes API (issue 12): a Secret with its inputs and callback
/// token, then the pod (`PodPlan`); one pod informer (label-selected to this store's pods) turns pod changes
/// into observations (`PodVerdict`); logs are copied into the attempt folder before a finished pod is
/// deleted, so `sluice logs` works after the pod is gone.
///
/// Crash safety: `pod.json` in the attempt folder is written before the pod is created, and
/// `pod-result.json` once its end is read; a restarted controller lists the run's pods and adopts them,
/// re-reports stored ends, and reports a pod that vanished while it was down as lost (a system failure).
public final class KubernetesBackend: AttemptBackend, @unchecked Sendable {
    public let name = "kubernetes"
    public let client: KubeClient
    public let settings: KubernetesSettings
    /// The attempt folders' root (`<store>/attempts`): markers, ends and copied logs.
    public let root: String
    let logger = Logger(label: "sluice.kubernetes")
    let state = Mutex(KubeBackendState())
    let pods = Informer()
    let createLimiter: RateLimiter
    let background = Mutex<[Task<Void, Never>]>([])

    static let secrets = ResourceType(apiVersion: "v1", kind: "Secret", resource: "secrets", namespaced: true)

    /// What the backend did when, for benchmarks (step-to-step latency): set before `observe`.
    public enum TraceEvent: Sendable {
        /// A pod's end arrived from the watch (before anything else is done with it).
        case podEnded(pod: String, at: ContinuousClock.Instant)
        /// A pod create request is about to be sent.
        case createSending(pod: String, at: ContinuousClock.Instant)
    }
    public nonisolated(unsafe) var trace: (@Sendable (TraceEvent) -> Void)?

    public var capabilities: BackendCapabilities {
        BackendCapabilities(backend: name, runtimes: [.containerImage, .pod], gpus: true, secretPaths: true, isolation: true)
    }

    public var namespace: String { settings.pod.namespace }
    /// The most pods this backend had alive at once (for tests and benchmarks).
    public var peakAlive: Int { state.withLock { $0.peakAlive } }

    /// `root` is `<store>/attempts`; the store's id labels every pod (see `PodPlan.storeLabel`).
    public init(client: KubeClient, settings: KubernetesSettings, root: String) {
        self.client = client
        var s = settings
        let absolute = root.hasPrefix("/") ? root : FileManager.default.currentDirectoryPath + "/" + root
        if s.pod.storeID.isEmpty { s.pod.storeID = ContainerPlan.storeID(root: absolute) }
        self.settings = s
        self.root = root
        createLimiter = RateLimiter(qps: max(0.001, s.podCreateQPS), burst: max(1, s.podCreateBurst))
    }

    /// The label selector of this store's pods.
    var selector: String { "\(PodPlan.managedLabel)=true,\(PodPlan.storeLabel)=\(settings.pod.storeID)" }

    public func observe(_ receiver: @escaping @Sendable (String, Observation) -> Void) {
        let first = state.withLock { s -> Bool in
            s.receiver = receiver
            defer { s.watching = true }
            return !s.watching
        }
        guard first else { return }
        pods.addHandler(InformerHandler(
            added: { [weak self] pod in self?.podChanged(pod) },
            updated: { [weak self] _, pod in self?.podChanged(pod) },
            deleted: { [weak self] pod in self?.podDeleted(pod) }))
        let reflector = Reflector(client: client, type: .pods, namespace: namespace, options: ListOptions(labelSelector: selector),
                                  note: { [logger] note in logger.debug("pods: \(note)") })
        let events = Informer()
        events.addHandler(InformerHandler(added: { [weak self] e in self?.eventSeen(e) },
                                          updated: { [weak self] _, e in self?.eventSeen(e) }))
        let eventReflector = Reflector(client: client, type: .events, namespace: namespace,
                                       options: ListOptions(fieldSelector: "involvedObject.kind=Pod"))
        let tasks: [Task<Void, Never>] = [
            Task.detached { [pods] in await pods.run(reflector) },
            Task.detached { await events.run(eventReflector) },
            Task.detached { [weak self] in await self?.tickLoop() },
        ]
        background.withLock { $0 += tasks }
    }

    /// Stops the informers, timers and log follows (tests; a server that stops).
    public func shutdown() {
        let tasks = background.withLock { t in defer { t.removeAll() }; return t }
        for t in tasks { t.cancel() }
        let follows = state.withLock { s in defer { s.followers.removeAll() }; return Array(s.followers.values) }
        for f in follows { f.cancel() }
    }

    public func start(_ spec: AttemptSpec, extraEnvironment: [String: String]) throws(BackendError) {
        var podSettings = settings.pod
        podSettings.flowName = spec.flow
        let plan = try PodPlan(spec, environment: extraEnvironment, settings: podSettings)
        let folder = AttemptFolder(root: root, runID: spec.runID, nodeID: spec.ref.node, attempt: spec.ref.attempt,
                                   purpose: spec.ref.purpose == .revert ? .revert : .run)
        let fresh = state.withLock { s -> Bool in
            if s.attempts[plan.podName] != nil { return false }
            s.attempts[plan.podName] = KubeAttempt(runID: spec.runID, ref: spec.ref, podName: plan.podName, folder: folder)
            s.byRef[AttemptKey(runID: spec.runID, ref: spec.ref)] = plan.podName
            return true
        }
        guard fresh else { return }  // followed already: a repeated start adopts
        if let stored = StoredPodResult.read(folder) {
            // It ended and was collected before a restart: report that end again, never run it twice.
            ended(plan.podName) { _ in stored.observation }
            return
        }
        do {
            try FileIO.makeDirectories(folder.path)
            try FileIO.writeAtomically(folder.podMarker, PodMarker(runID: spec.runID, ref: spec.ref, namespace: namespace, pod: plan.podName).json)
        } catch {
            untrack(plan.podName)
            throw BackendError("cannot prepare the attempt folder of \(spec.runID)/\(spec.ref): \(error)")
        }
        let waiting = state.withLock { s -> String? in
            s.attempts[plan.podName]?.plan = plan
            s.queue.append(plan.podName)
            return s.slotNote(for: spec.runID, settings: settings)
        }
        if let waiting { report(spec.runID, .progress(spec.ref, Progress(message: waiting))) }
        createWaiting()
    }

    public func cancel(runID: String, attempt: AttemptRef, grace: Duration) {
        let key = AttemptKey(runID: runID, ref: attempt)
        enum Action { case none, endNow(String), delete(String, AttemptFolder) }
        let action = state.withLock { s -> Action in
            guard let name = s.byRef[key], var a = s.attempts[name], !a.ended else { return .none }
            a.cancelled = true
            s.attempts[name] = a
            if !a.creating && !a.created {
                s.queue.removeAll { $0 == name }
                return .endNow(name)
            }
            return .delete(name, a.folder)
        }
        switch action {
        case .none: return
        case .endNow(let name):
            ended(name) { _ in .attemptExited(attempt, AttemptExit(exitCode: nil, killedByUs: true, detail: "cancelled before its pod was created")) }
        case .delete(let name, let folder):
            let seconds = max(0, Int((Double(grace.components.seconds) + Double(grace.components.attoseconds) / 1e18).rounded(.up)))
            // An abort or a timeout: what the task logged so far goes into the store before its pod goes.
            cleaning { [weak self] in
                await self?.keepLogBeforeDeleting(name, folder)
                await self?.deletePod(name, gracePeriodSeconds: seconds)
            }
        }
    }

    public func adopt(runID: String) -> Set<AttemptRef> {
        waitForAsync { [self] in await self.adoptRun(runID) }
    }

    public func location(runID: String, attempt: AttemptRef) -> String? {
        AttemptFolder(root: root, runID: runID, ref: attempt).path
    }

    func report(_ runID: String, _ o: Observation) {
        let receiver = state.withLock { $0.receiver }
        receiver?(runID, o)
    }

    func untrack(_ name: String) {
        state.withLock { s in
            if let a = s.attempts.removeValue(forKey: name) { s.byRef[AttemptKey(runID: a.runID, ref: a.ref)] = nil }
            s.queue.removeAll { $0 == name }
        }
    }

    /// Marks the attempt ended (once), frees its slot, forgets it, and reports what `observation` makes of it.
    func ended(_ name: String, _ observation: (KubeAttempt) -> Observation?) {
        let a = state.withLock { s -> KubeAttempt? in
            guard var a = s.attempts[name], !a.ended else { return nil }
            a.ended = true
            if a.created || a.creating { s.alive -= 1; s.alivePerRun[a.runID, default: 1] -= 1 }
            if s.alivePerRun[a.runID] == 0 { s.alivePerRun[a.runID] = nil }
            s.attempts[name] = nil
            s.byRef[AttemptKey(runID: a.runID, ref: a.ref)] = nil
            return a
        }
        guard let a else { return }
        if let o = observation(a) { report(a.runID, o) }
        createWaiting()
    }
}

/// An attempt's run id and ref, for look-ups by ref.
struct AttemptKey: Hashable, Sendable {
    var runID: String
    var ref: AttemptRef
}

/// One attempt the backend follows, from `start` (or adoption) to its end.
struct KubeAttempt: Sendable {
    var runID: String
    var ref: AttemptRef
    var podName: String
    var folder: AttemptFolder
    var plan: PodPlan?
    /// The node recorded in `pod.json` (from the pod's `spec.nodeName`).
    var node: String?
    /// A create request is on its way (the attempt holds a slot).
    var creating = false
    /// The pod exists (created or adopted; the attempt holds a slot).
    var created = false
    var started = false
    /// Found by `adopt` after a restart: its pod's times (whole seconds) are all we know of its start and end.
    var adopted = false
    var ended = false
    var cancelled = false
    var unschedulableSince: ContinuousClock.Instant?
    var pullFailingSince: ContinuousClock.Instant?
    /// The last note reported as progress, so the same one is not reported again.
    var lastNote: String?
    var lastVerdict: String?
    /// Someone else's deletion of the pod was seen (its deletionTimestamp), and its log kept.
    var deletionSeen = false
}

struct KubeBackendState {
    var receiver: (@Sendable (String, Observation) -> Void)?
    var watching = false
    var attempts: [String: KubeAttempt] = [:]
    var byRef: [AttemptKey: String] = [:]
    /// Pod names waiting for a slot, oldest first.
    var queue: [String] = []
    /// Attempts holding a slot (creating or created, not ended), overall and per run.
    var alive = 0
    var alivePerRun: [String: Int] = [:]
    var peakAlive = 0
    /// Finished pods to delete, and when.
    var deletions: [String: ContinuousClock.Instant] = [:]
    /// Running pods whose log is being followed into the store; the task answers whether it got the whole log.
    var followers: [String: Task<Bool, Never>] = [:]
    /// Log copies and deletions under way (see `finishCleanup`).
    var cleanups = 0

    /// Registers an attempt found after a restart as created and holding a slot; false when it is known already.
    mutating func adopt(_ attempt: KubeAttempt) -> Bool {
        guard attempts[attempt.podName] == nil else { return false }
        var a = attempt
        a.created = true
        a.adopted = true
        attempts[a.podName] = a
        byRef[AttemptKey(runID: a.runID, ref: a.ref)] = a.podName
        alive += 1
        alivePerRun[a.runID, default: 0] += 1
        peakAlive = max(peakAlive, alive)
        return true
    }

    /// Why a new attempt of `runID` would wait for a slot now, or nil when it would not.
    func slotNote(for runID: String, settings: KubernetesSettings) -> String? {
        if alive >= settings.maxPods {
            return "waiting for a pod slot: \(alive) pods of this controller are alive (--max-pods \(settings.maxPods))"
        }
        if alivePerRun[runID, default: 0] >= settings.maxPodsPerRun {
            return "waiting for a pod slot: this run has \(alivePerRun[runID, default: 0]) pods alive (--max-pods-per-run \(settings.maxPodsPerRun))"
        }
        return nil
    }
}

/// Written before a pod is created: which pod an attempt has, so a restart tells "vanished" from "never made".
struct PodMarker: Codable, Sendable {
    var runID: String
    var ref: AttemptRef
    var namespace: String
    var pod: String
    /// The node the pod was scheduled to, added once the backend saw it.
    var node: String?

    var json: String { (try? JSONEncoder().encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}" }

    static func read(_ path: String) -> PodMarker? {
        guard let bytes = try? FileIO.read(path, limit: 1 << 16) else { return nil }
        return try? JSONDecoder().decode(PodMarker.self, from: Data(bytes))
    }
}

/// An attempt's end as the Kubernetes backend read it, kept after the pod is deleted.
struct StoredPodResult: Codable, Sendable {
    var runID: String
    var ref: AttemptRef
    var exit: AttemptExit?
    var lost: String?

    var observation: Observation {
        if let exit { return .attemptExited(ref, exit) }
        return .attemptLost(ref, reason: lost ?? "its end was not recorded")
    }

    static func read(_ folder: AttemptFolder) -> StoredPodResult? {
        guard let bytes = try? FileIO.read(folder.podResult, limit: 8 << 20) else { return nil }
        return try? JSONDecoder().decode(StoredPodResult.self, from: Data(bytes))
    }

    func write(_ folder: AttemptFolder) throws {
        let data = try JSONEncoder().encode(self)
        try FileIO.writeAtomically(folder.podResult, String(decoding: data, as: UTF8.self))
    }
}

extension AttemptFolder {
    /// Written before the attempt's pod is created (`PodMarker`).
    var podMarker: String { path + "/pod.json" }
    /// The attempt's end, once read from its pod (`StoredPodResult`).
    var podResult: String { path + "/pod-result.json" }
    /// The pod's log was copied into `stdout.log`.
    var logsCopied: String { path + "/logs-copied" }
    /// Kubernetes Events about the pod, one JSON object a line (`PodEventLog`).
    var events: String { path + "/events.log" }
}
