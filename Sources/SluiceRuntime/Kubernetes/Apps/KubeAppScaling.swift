import Foundation
import SluiceModel
import Synchronization

/// One Kubernetes app's load as this server's gateway sees it: the requests open to its Service, when the last one
/// came or ended, the requests held while it wakes from zero, and its `ConcurrencyScaler` (the local backend's, fed
/// the same way). `KubernetesApps` turns what it says into the Deployment's `spec.replicas`.
final class KubeAppScaling: Sendable {
    let spec: AppSpec
    private let clock: any AppClock

    private struct State {
        var open = 0
        var lastActivity: Date
        var scaler: ConcurrencyScaler?
        /// A wake (a write of one replica) is under way: requests that come meanwhile wait for it, not write again.
        var waking = false
        /// Requests held until a pod is ready (from the start of their wait to its end), those suspended, and what
        /// ended a wait before it suspended (a grace of 0, a cancellation).
        var holding: Set<UUID> = []
        var waiters: [UUID: CheckedContinuation<Bool, Never>] = [:]
        var settled: [UUID: Bool] = [:]
    }
    private let state: Mutex<State>
    private let loop = Mutex<Task<Void, Never>?>(nil)

    init(spec: AppSpec, clock: any AppClock) {
        self.spec = spec
        self.clock = clock
        state = Mutex(State(lastActivity: clock.now(), scaler: ConcurrencyScaler(spec.replicas)))
    }

    /// Whether the app is scaled by this server at all: it scales to zero or has a target with room to scale.
    var scales: Bool { spec.replicas.min == 0 || ConcurrencyScaler(spec.replicas) != nil }

    /// Counts a gateway request open (+1) or done (-1).
    func track(_ delta: Int) {
        let now = clock.now()
        state.withLock { s in
            s.open += delta
            s.lastActivity = now
        }
    }

    /// Requests open now.
    var openRequests: Int { state.withLock { $0.open } }

    /// Idleness counts from now (a scale by hand, a wake).
    func noteActivity() {
        let now = clock.now()
        state.withLock { $0.lastActivity = now }
    }

    /// No request open or held, and none opened or ended for `idle` seconds.
    func isIdle(after idle: Double) -> Bool {
        let now = clock.now()
        return state.withLock { s in s.open == 0 && s.holding.isEmpty && now.timeIntervalSince(s.lastActivity) >= idle }
    }

    /// The scaler's decision on this moment's open requests over `replicas` (nil: keep the count).
    func sample(replicas: Int) -> Int? {
        let now = clock.now()
        return state.withLock { s in s.scaler?.sample(now: now, open: s.open, replicas: replicas) }
    }

    /// Forgets the scaler's windows (this server stopped leading: the load it saw says nothing when it leads again).
    func resetScaler() {
        state.withLock { $0.scaler = ConcurrencyScaler(spec.replicas) }
    }

    /// True when the caller is to write the wake (none is under way); `endWake()` when it is done.
    func beginWake() -> Bool {
        let now = clock.now()
        return state.withLock { s in
            s.lastActivity = now
            defer { s.waking = true }
            return !s.waking
        }
    }

    func endWake() { state.withLock { $0.waking = false } }

    /// Holds a request until `ready()` holds (`readyChanged()` says when to look again) or `grace` seconds pass on
    /// the clock; whether it became ready. A held request counts as activity: the app is not reaped meanwhile.
    func waitReady(grace: Double, ready: @escaping @Sendable () -> Bool) async -> Bool {
        let id = UUID()
        state.withLock { _ = $0.holding.insert(id) }
        defer {
            state.withLock { s in
                s.holding.remove(id)
                s.settled[id] = nil
            }
        }
        let timer = Task.detached { [clock] in
            do { try await clock.sleep(seconds: grace) } catch { return }
            self.settle(id, false)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                let early = state.withLock { s -> Bool? in
                    if let value = s.settled.removeValue(forKey: id) { return value }
                    s.waiters[id] = c
                    return nil
                }
                if let early { c.resume(returning: early) } else if ready() { settle(id, true) }
            }
        } onCancel: {
            settle(id, false)
        }
    }

    /// A pod of the app changed: held requests go on when `ready()` holds now.
    func readyChanged(_ ready: () -> Bool) {
        guard state.withLock({ !$0.waiters.isEmpty }), ready() else { return }
        let now = clock.now()
        let all = state.withLock { s in
            defer { s.waiters = [:] }
            s.lastActivity = now
            return Array(s.waiters.values)
        }
        for c in all { c.resume(returning: true) }
    }

    private func settle(_ id: UUID, _ value: Bool) {
        let now = clock.now()
        let waiter = state.withLock { s -> CheckedContinuation<Bool, Never>? in
            s.lastActivity = now
            guard let c = s.waiters.removeValue(forKey: id) else {
                if s.holding.contains(id) { s.settled[id] = value }
                return nil
            }
            return c
        }
        waiter?.resume(returning: value)
    }

    /// Runs `body` every `every` seconds on the clock until `stop()`.
    func start(every: Double, _ body: @escaping @Sendable () async -> Void) {
        let clock = self.clock
        let task = Task.detached {
            while true {
                do { try await clock.sleep(seconds: every) } catch { return }
                await body()
            }
        }
        loop.withLock { $0?.cancel(); $0 = task }
    }

    /// Ends the loop and lets every held request go (unready).
    func stop() {
        loop.withLock { $0?.cancel(); $0 = nil }
        let all = state.withLock { s in
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for c in all { c.resume(returning: false) }
    }
}
