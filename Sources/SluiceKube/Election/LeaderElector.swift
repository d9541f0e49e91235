import Foundation
import Synchronization

/// Leader election on a coordination.k8s.io/v1 Lease, after client-go's leaderelection package: one
/// holder at a time; others take over only when the holder has not renewed for a whole lease duration as
/// seen on their own clock. Writes use the lease's resourceVersion, so two candidates cannot both win.
public final class LeaderElector: Sendable {
    public struct Config: Sendable {
        public var namespace: String
        public var name: String
        /// This candidate's name as written in holderIdentity (must be unique: host name + pid, say).
        public var identity: String
        /// How long others wait after the last renewal they saw before taking over.
        public var leaseDuration: Duration = .seconds(15)
        /// A leader that could not renew for this long steps down (must be shorter than leaseDuration).
        public var renewDeadline: Duration = .seconds(10)
        /// How often to try to acquire or renew.
        public var retryPeriod: Duration = .seconds(2)
        /// Give the lease up (holderIdentity "") when stopped while leading, so another leads at once.
        public var releaseOnCancel = true

        public init(namespace: String, name: String, identity: String) {
            self.namespace = namespace
            self.name = name
            self.identity = identity
        }
    }

    public struct Callbacks: Sendable {
        /// Runs while this candidate leads; cancelled when leadership is lost.
        public var startedLeading: @Sendable () async -> Void
        public var stoppedLeading: @Sendable () async -> Void
        /// Any change of holder, this candidate included.
        public var newLeader: @Sendable (String) async -> Void

        public init(startedLeading: @escaping @Sendable () async -> Void, stoppedLeading: @escaping @Sendable () async -> Void = {},
                    newLeader: @escaping @Sendable (String) async -> Void = { _ in }) {
            self.startedLeading = startedLeading
            self.stoppedLeading = stoppedLeading
            self.newLeader = newLeader
        }
    }

    public let client: KubeClient
    public let config: Config
    public let callbacks: Callbacks
    /// Where the periods wait, lease expiry is measured and lease times are stamped (the client's clock
    /// unless given another).
    public let clock: KubeClock
    private let observed: ObservedLease

    /// Durations that could let two candidates lead at once are refused.
    public init(client: KubeClient, config: Config, callbacks: Callbacks,
                clock: KubeClock? = nil) throws(LeaderElectionConfigError) {
        guard config.renewDeadline < config.leaseDuration else {
            throw LeaderElectionConfigError(message: "renewDeadline (\(config.renewDeadline)) must be shorter than leaseDuration (\(config.leaseDuration)): a leader must step down before others may take over")
        }
        guard config.retryPeriod < config.renewDeadline else {
            throw LeaderElectionConfigError(message: "retryPeriod (\(config.retryPeriod)) must be shorter than renewDeadline (\(config.renewDeadline)): a leader needs more than one try to renew")
        }
        guard !config.identity.isEmpty else {
            throw LeaderElectionConfigError(message: "identity must not be empty: an empty holderIdentity means a released lease")
        }
        self.client = client
        self.config = config
        self.callbacks = callbacks
        let clock = clock ?? client.clock
        self.clock = clock
        observed = ObservedLease(clock: clock)
    }

    /// Campaigns, leads, and campaigns again after losing the lease, until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            guard await acquire() else { return }
            await lead()
        }
    }

    /// Tries every retryPeriod (with jitter) until this candidate holds the lease; false when cancelled.
    func acquire() async -> Bool {
        while !Task.isCancelled {
            if await tryAcquireOrRenew() { return true }
            try? await clock.sleep(for: config.retryPeriod * Double.random(in: 1.0..<1.2))
        }
        return false
    }

    /// Leads until a renewal has failed for renewDeadline or the task is cancelled.
    func lead() async {
        let work = Task { await callbacks.startedLeading() }
        var lastRenew = clock.now
        while !Task.isCancelled {
            try? await clock.sleep(for: config.retryPeriod)
            if Task.isCancelled { break }
            if await tryAcquireOrRenew() {
                lastRenew = clock.now
            } else if clock.now - lastRenew >= config.renewDeadline {
                break
            }
        }
        work.cancel()
        if Task.isCancelled, config.releaseOnCancel { await release() }
        observed.setLeading(false)
        await callbacks.stoppedLeading()
    }

    /// True while this candidate believes it holds the lease.
    public var isLeader: Bool { observed.leading }

    /// One round: create the lease, renew ours, or take an expired one. False when someone else holds it
    /// or our write lost a race (409).
    func tryAcquireOrRenew() async -> Bool {
        var lease: Lease
        do {
            lease = try await client.get(Lease.self, namespace: config.namespace, name: config.name)
        } catch {
            guard error.isNotFound else { return false }
            lease = Lease(name: config.name, namespace: config.namespace)
            stamp(&lease.spec, taking: true, transitions: 0)
            do {
                await noteWritten(try await client.create(lease))
                return true
            } catch {
                return false
            }
        }
        let seen = lease.spec
        let holder = seen.holderIdentity ?? ""
        if observed.changed(to: seen) { await callbacks.newLeader(holder) }
        let duration = seen.leaseDurationSeconds.map { Duration.seconds($0) } ?? config.leaseDuration
        if !holder.isEmpty, holder != config.identity, !observed.expired(leaseDuration: duration) {
            return false
        }
        // client-go counts every acquisition by a candidate that was not the holder.
        let taking = holder != config.identity
        stamp(&lease.spec, taking: taking, transitions: (seen.leaseTransitions ?? 0) + (taking ? 1 : 0))
        do {
            await noteWritten(try await client.replace(lease))
            return true
        } catch {
            return false
        }
    }

    private func noteWritten(_ lease: Lease) async {
        if observed.changed(to: lease.spec) { await callbacks.newLeader(config.identity) }
        observed.setLeading(true)
    }

    /// Gives the lease up: empty holder, so the next candidate need not wait out the lease.
    func release() async {
        guard var lease = try? await client.get(Lease.self, namespace: config.namespace, name: config.name),
              lease.spec.holderIdentity == config.identity
        else { return }
        let now = clock.date
        lease.spec.holderIdentity = ""
        lease.spec.leaseDurationSeconds = 1
        lease.spec.renewTime = now
        lease.spec.acquireTime = now
        _ = try? await client.replace(lease)
    }

    /// Writes this candidate as holder, renewed now. Stamped after the read and the decision, not when the
    /// round began: a slow read must not make a takeover look earlier than the expiry it was decided on.
    private func stamp(_ spec: inout LeaseSpec, taking: Bool, transitions: Int) {
        let now = clock.date
        spec.holderIdentity = config.identity
        // Whole seconds on the wire; rounded up so that others never wait less than we promised.
        let (seconds, atto) = config.leaseDuration.components
        spec.leaseDurationSeconds = Int(seconds) + (atto > 0 ? 1 : 0)
        spec.renewTime = now
        if taking || spec.acquireTime == nil { spec.acquireTime = now }
        spec.leaseTransitions = transitions
    }
}

/// Leader-election settings that cannot work, in one sentence.
public struct LeaderElectionConfigError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { "leader election: \(message)" }
}

/// The last lease record seen and when (on our own clock: clocks of other hosts are not trusted).
final class ObservedLease: Sendable {
    private struct State {
        var record: LeaseSpec?
        var observedAt: Duration
        var leading = false
    }

    private let clock: KubeClock
    private let state: Mutex<State>

    init(clock: KubeClock) {
        self.clock = clock
        state = Mutex(State(observedAt: clock.now))
    }

    /// Records `record` (and when) if it differs from the last one; true when its holder changed.
    func changed(to record: LeaseSpec) -> Bool {
        state.withLock { s in
            guard record != s.record else { return false }
            let holderChanged = record.holderIdentity != s.record?.holderIdentity
            s.record = record
            s.observedAt = clock.now
            return holderChanged
        }
    }

    func expired(leaseDuration: Duration) -> Bool {
        let now = clock.now
        return state.withLock { now - $0.observedAt > leaseDuration }
    }

    var leading: Bool { state.withLock { $0.leading } }

    func setLeading(_ value: Bool) { state.withLock { $0.leading = value } }
}
