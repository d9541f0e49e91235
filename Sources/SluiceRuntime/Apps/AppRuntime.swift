#if os(Linux)
import Foundation
import SluiceAPI
import SluiceModel
import SluiceStore
import Synchronization

/// The apps of `sluice serve`: deployed apps are recorded in the store (the desired state) and each running one has
/// an `AppSupervisor` keeping its replicas up, as child processes or as containers (`Options.replicas`, from the
/// server's backend). A restarted server calls `restore()` to bring them back; `shutdown()` stops every replica
/// (the desired state stays).
public actor AppRuntime {
    /// Restart pacing and the clock it is measured on.
    public struct Options: Sendable {
        public var clock: any AppClock = SystemAppClock()
        public var backoff = RestartBackoff()
        /// Between SIGTERM and SIGKILL when a replica is stopped.
        public var stopGrace: Double = 5
        /// An app with `replicas.min: 0` goes back to no replicas after this long without requests.
        public var idleBeforeZero: Double = 60
        /// How often an app with `replicas.target_concurrency` has its open requests per replica sampled.
        public var autoscaleEvery: Double = 1
        /// What runs the replicas: local processes, or containers on the container backend.
        public var replicas = AppReplicaBackend.processes
        public init() {}
    }

    private let store: Store
    /// `<store>/apps`: one folder per app with its replicas' logs (and their working directory).
    public nonisolated let directory: String
    private let options: Options
    private nonisolated let supervisors = Mutex<[String: AppSupervisor]>([:])
    /// The idle loops of apps that scale to zero and the autoscalers of apps with a target, by app.
    private nonisolated let loops = Mutex<[String: [Task<Void, Never>]]>([:])
    /// Supervisors made so far: each one's replicas record their pids under a name of their own.
    private nonisolated let generations = Mutex(0)
    /// Rolling updates under way, by app.
    private nonisolated let rollouts = Mutex<[String: AppRollout]>([:])

    public init(store: Store, directory: String, options: Options = Options()) {
        self.store = store
        self.directory = directory
        self.options = options
    }

    /// Starts every app the store records as running, after killing replicas a server that died without
    /// stopping them left behind.
    public func restore() async throws(AppRuntimeError) {
        await options.replicas.backend.removeLeftovers(under: directory)
        for record in try await db({ try $0.apps() }) where record.running {
            let spec = try decode(record)
            start(spec, replicas: record.replicas)
        }
    }

    /// Records the apps and starts them with their spec's replica count. A running app deployed with a changed spec
    /// is updated replica by replica (`AppRollout`); with the same spec only its replica count is set again (while an
    /// update to that spec is under way, the count it brings up one by one). A spec the replica backend cannot run
    /// as written is refused, naming the field.
    public func deploy(_ specs: [AppSpec]) async throws(AppRuntimeError) -> [AppView] {
        for spec in specs {
            if let refusal = options.replicas.backend.refusal(spec) { throw .invalid(refusal) }
        }
        var views: [AppView] = []
        for spec in specs {
            guard let data = try? JSONEncoder().encode(spec) else { throw .invalid("cannot encode app '\(spec.name)'") }
            let record = try await db { try $0.putApp(name: spec.name, spec: data, replicas: spec.replicas.min) }
            let current = supervisors.withLock { $0[spec.name] }
            let rollout = rollouts.withLock { $0[spec.name] }
            if let current, current.spec == spec {
                // An update under way to this spec goes on replica by replica, now towards this count.
                if let rollout, rollout.new === current { rollout.retarget(record.replicas) } else { current.scale(to: record.replicas) }
            } else if let current, let rollout, rollout.new === current, current.healthyReplicas().isEmpty {
                // A stuck update: its new replicas go, the old ones keep serving while this update starts.
                rollouts.withLock { _ = $0.removeValue(forKey: spec.name) }
                await rollout.abandon()
                roll(from: rollout.old, to: spec, replicas: record.replicas)
            } else if let current, current.desired > 0, !current.healthyReplicas().isEmpty {
                // An update under way ends: its old replicas stop, its new ones are the old ones of this one.
                await endRollout(spec.name)
                roll(from: current, to: spec, replicas: record.replicas)
            } else {
                if let old = supervisors.withLock({ $0.removeValue(forKey: spec.name) }) { await stopSupervisor(spec.name, old) }
                start(spec, replicas: record.replicas)
            }
            views.append(view(record, spec: spec))
        }
        return views
    }

    /// Runs `replicas` replicas of app `name` from now on (also after a restart of the server).
    public func scale(_ name: String, replicas: Int) async throws(AppRuntimeError) -> AppView {
        let (record, spec) = try await AppStoreCalls(store: store).scale(name, to: replicas)
        if record.running {
            if let supervisor = supervisors.withLock({ $0[name] }) { supervisor.scale(to: replicas) } else { start(spec, replicas: replicas) }
        }
        return view(record, spec: spec)
    }

    /// Starts (`running`) or stops app `name`; a stopped app keeps its record and its logs.
    public func setRunning(_ name: String, _ running: Bool) async throws(AppRuntimeError) -> AppView {
        guard let record = try await db({ try $0.setAppRunning(name: name, running: running) }) else { throw .noApp(name) }
        let spec = try decode(record)
        let current = supervisors.withLock { $0[name] }
        if running, current == nil {
            start(spec, replicas: record.replicas)
        } else if !running, let current {
            supervisors.withLock { _ = $0.removeValue(forKey: name) }
            await stopSupervisor(name, current)
        }
        return view(record, spec: spec)
    }

    /// Stops app `name` and removes its record and logs.
    public func delete(_ name: String) async throws(AppRuntimeError) {
        guard try await db({ try $0.deleteApp(name: name) }) else { throw .noApp(name) }
        if let supervisor = supervisors.withLock({ $0.removeValue(forKey: name) }) { await stopSupervisor(name, supervisor) }
        try? FileManager.default.removeItem(atPath: folder(name))
    }

    /// App `name` as it is now.
    public func view(_ name: String) async throws(AppRuntimeError) -> AppView {
        guard let record = try await db({ try $0.app(name: name) }) else { throw .noApp(name) }
        return view(record, spec: try decode(record))
    }

    /// Every deployed app, by name.
    public func list() async throws(AppRuntimeError) -> [AppView] {
        var views: [AppView] = []
        for record in try await db({ try $0.apps() }) { views.append(view(record, spec: try decode(record))) }
        return views
    }

    /// Where the gateway sends a request for app `name`: nil when no such app runs here.
    public nonisolated func route(_ name: String) -> AppRoute? {
        guard let supervisor = supervisors.withLock({ $0[name] }) else { return nil }
        let rollout = rollouts.withLock { $0[name] }
        return AppRoute(supervisor, retiring: rollout?.new === supervisor ? rollout?.old : nil)
    }

    /// How long a deploy of `spec` may take to be healthy, in seconds: its startup grace per `replicas.min` replica
    /// plus one health interval, and while a rolling update is under way, the drain of each old replica (which
    /// waits up to the old spec's request timeout for its open requests).
    public nonisolated func deployBudget(_ spec: AppSpec) -> Double {
        let start = spec.startupGrace.seconds * Double(max(1, spec.replicas.min)) + spec.health.interval.seconds
        guard let rollout = rollouts.withLock({ $0[spec.name] }), rollout.new.spec == spec else { return start }
        return start + rollout.old.spec.requestTimeout.seconds * Double(rollout.old.desired)
    }

    /// The log file of replica `replica` of app `name` (it may not exist yet).
    public nonisolated func logPath(_ name: String, replica: Int) -> String { "\(folder(name))/replica-\(replica).log" }

    /// Stops every replica of every app and waits for their processes to end. The store keeps the desired state.
    public func shutdown() async {
        for reaper in loops.withLock({ r in defer { r = [:] }; return r.values.flatMap { $0 } }) { reaper.cancel() }
        for rollout in rollouts.withLock({ r in defer { r = [:] }; return Array(r.values) }) { await rollout.cancel() }
        let all = supervisors.withLock { s in
            defer { s = [:] }
            return Array(s.values)
        }
        await withTaskGroup(of: Void.self) { group in
            for supervisor in all { group.addTask { await supervisor.stop() } }
        }
    }

    // MARK: -

    private nonisolated func folder(_ name: String) -> String { "\(directory)/\(name)" }

    private func stopSupervisor(_ name: String, _ supervisor: AppSupervisor) async {
        for reaper in loops.withLock({ $0.removeValue(forKey: name) }) ?? [] { reaper.cancel() }
        await endRollout(name)
        await supervisor.stop()
    }

    /// Replaces `current` by a supervisor of `spec` replica by replica.
    private func roll(from current: AppSupervisor, to spec: AppSpec, replicas: Int) {
        let new = makeSupervisor(spec)
        supervisors.withLock { $0[spec.name] = new }
        startLoops(new)
        let name = spec.name
        let rollout = AppRollout(from: current, to: new, replicas: replicas)
        rollouts.withLock { $0[name] = rollout }
        rollout.start { [weak self] in self?.rolloutEnded(name, new) }
    }

    private nonisolated func rolloutEnded(_ name: String, _ new: AppSupervisor) {
        rollouts.withLock { r in if r[name]?.new === new { r[name] = nil } }
    }

    private func endRollout(_ name: String) async {
        if let rollout = rollouts.withLock({ $0.removeValue(forKey: name) }) { await rollout.cancel() }
    }

    private func makeSupervisor(_ spec: AppSpec) -> AppSupervisor {
        let generation = generations.withLock { g in defer { g += 1 }; return g }
        let folder = folder(spec.name)
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return AppSupervisor(spec: spec, folder: folder, generation: generation, clock: options.clock, backoff: options.backoff,
                             stopGrace: options.stopGrace, replicas: options.replicas.backend)
    }

    private func start(_ spec: AppSpec, replicas: Int) {
        let supervisor = makeSupervisor(spec)
        // Calls interleave at their awaits: a supervisor another call started meanwhile is stopped, never orphaned.
        if let previous = supervisors.withLock({ $0.updateValue(supervisor, forKey: spec.name) }) {
            Task.detached { await previous.stop() }
        }
        supervisor.scale(to: replicas)
        startLoops(supervisor)
    }

    /// The idle reaper (scale to zero) and the autoscaler (a target) of a new supervisor; those of the one it
    /// replaces are cancelled.
    private func startLoops(_ supervisor: AppSupervisor) {
        let spec = supervisor.spec
        var background: [Task<Void, Never>] = []
        if spec.replicas.min == 0 {
            let idle = options.idleBeforeZero
            background.append(Task.detached { await supervisor.reapWhenIdle(after: idle, every: min(1, idle / 4)) })
        }
        if ConcurrencyScaler(spec.replicas) != nil {
            let every = options.autoscaleEvery
            background.append(Task.detached { await supervisor.autoscale(every: every) })
        }
        for task in loops.withLock({ $0.updateValue(background, forKey: spec.name) }) ?? [] { task.cancel() }
    }

    private func view(_ record: AppRecord, spec: AppSpec) -> AppView {
        let supervisor = record.running ? supervisors.withLock({ $0[record.name] }) : nil
        let replicas = supervisor?.replicaViews() ?? []
        let healthy = replicas.filter { $0.state == "healthy" }.count
        // The supervisor's count: an app woken from zero, scaled by load or reaped when idle differs from its record.
        let desired = supervisor?.desired ?? record.replicas
        let state: String
        if !record.running {
            state = "stopped"
        } else if rollouts.withLock({ $0[record.name] }) != nil {
            // The old spec's replicas still serve while the new ones come up (`replica_states` lists the new ones).
            state = "updating"
        } else if desired == 0 && replicas.isEmpty {
            state = "idle"
        } else if replicas.contains(where: { $0.state == "crash-loop" }) {
            state = "crash-loop"
        } else if healthy == desired {
            state = "healthy"
        } else if healthy > 0 {
            state = "degraded"
        } else {
            state = "starting"
        }
        let lastError = replicas.compactMap(\.lastExit).last
        return AppView(name: record.name, state: state, running: record.running, replicas: desired, healthy: healthy,
                       restarts: replicas.reduce(0) { $0 + $1.restarts }, lastError: lastError, isPublic: spec.isPublic,
                       replicaStates: replicas)
    }

    private func decode(_ record: AppRecord) throws(AppRuntimeError) -> AppSpec { try AppStoreCalls.decode(record) }

    /// Runs a store call on a thread of its own, never on the Swift pool.
    private func db<T: Sendable>(_ body: @escaping @Sendable (Store) throws -> T) async throws(AppRuntimeError) -> T {
        try await AppStoreCalls(store: store).run(body)
    }
}
#endif
