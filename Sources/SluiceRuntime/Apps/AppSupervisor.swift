#if os(Linux)
import Foundation
import SluiceAPI
import SluiceModel
import Synchronization

/// Keeps one app's replicas running: each replica is a loop that starts it (a process or a container, as the
/// `ReplicaBackend` does), health-checks it, and after an exit or failed checks starts it again with
/// `RestartBackoff`. The gateway reads healthy ports here.
final class AppSupervisor: Sendable {
    let spec: AppSpec
    let folder: String
    /// 0, or 1, 2, ... for the supervisor a rolling update starts beside the one before it.
    let generation: Int
    private let clock: any AppClock
    private let backoff: RestartBackoff
    private let replicaBackend: any ReplicaBackend
    /// How long a stopping replica gets between SIGTERM and SIGKILL.
    private let stopGrace: Double

    private struct State {
        var replicas: [Int: ReplicaState] = [:]
        var loops: [Int: Task<Void, Never>] = [:]
        var desired = 0
        var cursor = 0
        /// When the gateway last opened or finished a request here (scale to zero measures idleness from it).
        var lastActivity = Date.distantPast
    }
    private let state = Mutex(State())

    init(spec: AppSpec, folder: String, generation: Int = 0, clock: any AppClock, backoff: RestartBackoff, stopGrace: Double,
         replicas: any ReplicaBackend = ProcessReplicas(secrets: nil)) {
        self.spec = spec
        self.replicaBackend = replicas
        self.folder = folder
        self.generation = generation
        self.clock = clock
        self.backoff = backoff
        self.stopGrace = stopGrace
    }

    /// Runs `count` replicas: starts the missing ones, stops those above it (highest indexes first).
    func scale(to count: Int) {
        let stopping: [Task<Void, Never>] = state.withLock { s in
            s.desired = count
            var stop: [Task<Void, Never>] = []
            for index in s.loops.keys.sorted() where index >= count {
                stop.append(s.loops.removeValue(forKey: index)!)
            }
            for index in 0..<count where s.loops[index] == nil {
                s.replicas[index] = s.replicas[index] ?? ReplicaState(index: index)
                s.replicas[index]?.draining = false
                s.loops[index] = Task.detached { [self] in await self.runReplica(index) }
            }
            return stop
        }
        for task in stopping { task.cancel() }
    }

    /// Stops every replica and waits until their processes are gone.
    func stop() async {
        let loops = state.withLock { s in
            s.desired = 0
            defer { s.loops = [:] }
            return Array(s.loops.values)
        }
        for task in loops { task.cancel() }
        for task in loops { await task.value }
    }

    /// Healthy replicas that are not draining, by index.
    func healthyReplicas() -> [(index: Int, port: Int)] {
        state.withLock { s in s.replicas.values.filter(\.routable).sorted { $0.index < $1.index }.map { ($0.index, $0.port!) } }
    }

    /// The next round-robin turn.
    func turn() -> Int { state.withLock { s in defer { s.cursor &+= 1 }; return s.cursor } }

    /// Ports of healthy replicas, in no order (the round-robin turn stays where it is).
    func healthyPortSet() -> Set<Int> {
        state.withLock { s in Set(s.replicas.values.compactMap { $0.routable ? $0.port : nil }) }
    }

    /// Routes to every replica again (an update that was draining one was given up).
    func undrain() {
        state.withLock { s in for index in s.replicas.keys { s.replicas[index]?.draining = false } }
    }

    /// Sleeps on the supervisor's clock.
    func clockSleep(_ seconds: Double) async throws { try await clock.sleep(seconds: seconds) }

    /// Whether replica `index` passed its health checks and is routed to.
    func isHealthy(_ index: Int) -> Bool { state.withLock { $0.replicas[index]?.routable ?? false } }

    /// Takes the highest replica out of the rotation, waits (up to `timeout` seconds) for its open requests to
    /// finish, and stops it.
    func drainOne(timeout: Double) async {
        guard let index = state.withLock({ s -> Int? in
            guard s.desired > 0 else { return nil }
            s.replicas[s.desired - 1]?.draining = true
            return s.desired - 1
        }) else { return }
        let deadline = clock.now().addingTimeInterval(timeout)
        while state.withLock({ ($0.replicas[index]?.inFlight ?? 0) > 0 }) && clock.now() < deadline {
            do { try await clock.sleep(seconds: 0.05) } catch { return }
        }
        scale(to: index)
    }

    /// Counts a gateway request to replica `index` open (+1) or done (-1).
    func track(_ index: Int, _ delta: Int) {
        let now = clock.now()
        state.withLock { s in
            s.replicas[index]?.inFlight += delta
            s.lastActivity = now
        }
    }

    /// Requests the gateway has open to its replicas.
    var openRequests: Int { state.withLock { s in s.replicas.values.reduce(0) { $0 + $1.inFlight } } }

    /// The replicas it runs now.
    var desired: Int { state.withLock { $0.desired } }

    /// For an app that scales to zero (`replicas.min: 0`): starts a replica when none runs. True when the app
    /// scales to zero (a caller may wait for a replica to become healthy), false otherwise.
    func wake() -> Bool {
        guard spec.replicas.min == 0 else { return false }
        let now = clock.now()
        let start = state.withLock { s in
            s.lastActivity = now
            return s.desired == 0
        }
        if start { scale(to: 1) }
        return true
    }

    /// For an app that scales to zero: stops every replica once no request was open or made for `idle`
    /// seconds, checking every `every` seconds, until the task is cancelled.
    func reapWhenIdle(after idle: Double, every: Double) async {
        while true {
            do { try await clock.sleep(seconds: every) } catch { return }
            let now = clock.now()
            let idleNow = state.withLock { s in
                s.desired > 0 && s.replicas.values.allSatisfy { $0.inFlight == 0 } && now.timeIntervalSince(s.lastActivity) >= idle
            }
            if idleNow { scale(to: 0) }
        }
    }

    /// For an app with `replicas.target_concurrency`: samples the requests open per replica every `every` seconds
    /// and adds or removes replicas as `ConcurrencyScaler` says, until the task is cancelled.
    func autoscale(every: Double) async {
        guard var scaler = ConcurrencyScaler(spec.replicas) else { return }
        while true {
            do { try await clock.sleep(seconds: every) } catch { return }
            let now = clock.now()
            let (open, replicas) = state.withLock { s in
                (s.replicas.values.reduce(0) { $0 + ($1.index < s.desired ? $1.inFlight : 0) }, s.desired)
            }
            if let count = scaler.sample(now: now, open: open, replicas: replicas) {
                // A scale from elsewhere (the API, the idle reaper) since the sample wins.
                let current = state.withLock { $0.desired }
                if current == replicas { scale(to: count) }
            }
        }
    }

    /// The replicas as `apps status` shows them.
    func replicaViews() -> [AppReplicaView] {
        state.withLock { s in
            s.replicas.values.sorted { $0.index < $1.index }.map { r in
                AppReplicaView(index: r.index, state: r.phase.rawValue, pid: r.pid.map(Int.init), container: r.container, port: r.port,
                               restarts: r.restarts, lastExit: r.lastExit,
                               healthySince: r.healthySince.map { ISO8601DateFormatter().string(from: $0) })
            }
        }
    }

    /// The log file of replica `index`.
    func logPath(_ index: Int) -> String { "\(folder)/replica-\(index).log" }

    // MARK: - one replica

    private enum Outcome: Sendable { case exited(ReplicaExit), unhealthy(String) }

    private func runReplica(_ index: Int) async {
        while !Task.isCancelled {
            let reason: String
            if let port = LoopbackPort.free() {
                reason = await runOnce(index, port: port) ?? ""
                if Task.isCancelled { break }
            } else {
                reason = "no free loopback port"
            }
            let failures = update(index) { r in
                let healthyFor = r.healthySince.map { clock.now().timeIntervalSince($0) }
                r.failuresInARow = backoff.failures(previous: r.failuresInARow, healthyFor: healthyFor)
                r.restarts += 1
                r.lastExit = reason
                r.pid = nil
                r.container = nil
                r.healthySince = nil
                r.phase = backoff.isCrashLoop(failures: r.failuresInARow) ? .crashLoop : .restarting
                return r.failuresInARow
            }
            do { try await clock.sleep(seconds: backoff.delay(failures: failures)) } catch { break }
        }
        state.withLock { s in
            // A replica scaled away (or stopped with its app) is forgotten.
            if index >= s.desired {
                s.replicas[index] = nil
            } else {
                s.replicas[index]?.phase = .stopped
                s.replicas[index]?.pid = nil
                s.replicas[index]?.container = nil
            }
        }
    }

    /// Starts the replica and watches it until it exits or fails its checks; the reason, or nil when stopped.
    private func runOnce(_ index: Int, port: Int) async -> String? {
        let replica: any ReplicaHandle
        do {
            replica = try await replicaBackend.start(ReplicaStart(spec: spec, index: index, generation: generation, port: port,
                                                                   logPath: logPath(index), folder: folder))
        } catch {
            return error.description
        }
        update(index) { r in
            r.phase = r.phase == .crashLoop ? .crashLoop : .starting
            r.pid = replica.pid
            r.container = replica.container
            r.port = port
        }
        let started = clock.now()
        let outcome = await withTaskGroup(of: Outcome?.self) { group in
            let grace = stopGrace
            group.addTask {
                await withTaskCancellationHandler {
                    .exited(await replica.waitForExit())
                } onCancel: {
                    replica.stop(grace: grace)
                }
            }
            group.addTask { await self.monitor(index, port: port, started: started, replica: replica) }
            var first: Outcome? = nil
            while let next = await group.next() {
                if let next { first = next; break }
            }
            group.cancelAll()
            return first
        }
        // Failed checks of a replica that died meanwhile are its death's doing: its exit is the reason.
        let died = await replica.hasStopped()
        if !died {
            replica.kill()
        }
        let exit = await replica.waitForExit()
        if Task.isCancelled { return nil }
        switch outcome {
        case .unhealthy(let why): return died ? exit.description : why
        case .exited(let e): return e.description
        case nil: return exit.description
        }
    }

    /// Checks health every interval; returns `.unhealthy` once the replica must be restarted, nil when cancelled.
    private func monitor(_ index: Int, port: Int, started: Date, replica: any ReplicaHandle) async -> Outcome? {
        let health = spec.health
        var failures = 0
        var everHealthy = false
        var lastFailure = ""
        // The first check comes soon after the start, so a quick app is routed to quickly.
        var wait = min(health.interval.seconds, 0.1)
        while true {
            do { try await clock.sleep(seconds: wait) } catch { return nil }
            wait = health.interval.seconds
            if replica.hasExited { return nil }
            if let problem = await HealthProbe.check(port: port, path: health.path, timeout: health.timeout.seconds) {
                lastFailure = problem
                if everHealthy {
                    failures += 1
                    if failures >= health.failures {
                        markUnhealthy(index)
                        return .unhealthy("failed \(failures) health checks in a row (\(health.path): \(problem))")
                    }
                } else if clock.now().timeIntervalSince(started) >= spec.startupGrace.seconds {
                    return .unhealthy("not healthy within its startup grace of \(spec.startupGrace) (\(health.path): \(lastFailure))")
                }
            } else {
                failures = 0
                if !everHealthy {
                    everHealthy = true
                    let now = clock.now()
                    update(index) { r in
                        r.phase = .healthy
                        r.healthySince = now
                    }
                } else {
                    // A replica healthy again after a failed check is routed to again.
                    update(index) { r in if r.phase != .healthy { r.phase = .healthy } }
                }
            }
        }
    }

    private func markUnhealthy(_ index: Int) {
        update(index) { r in r.phase = .restarting }
    }

    @discardableResult
    private func update<T>(_ index: Int, _ body: (inout ReplicaState) -> T) -> T {
        state.withLock { s in
            var r = s.replicas[index] ?? ReplicaState(index: index)
            let result = body(&r)
            s.replicas[index] = r
            return result
        }
    }
}
#endif
