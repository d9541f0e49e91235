import Foundation

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
    private let observed = ObservedLease()

    /// Durations that could let two candidates lead at once are refused.
    public init(client: KubeClient, config: Config, callbacks: Callbacks) throws(LeaderElectionConfigError) {
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
            try? await Task.sleep(for: config.retryPeriod * Double.random(in: 1.0..<1.2))
        }
        return false
    }

    /// Leads until a renewal has failed for renewDeadline or the task is cancelled.
    func lead() async {
        let work = Task { await callbacks.startedLeading() }
        var lastRenew = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: config.retryPeriod)
            if Task.isCancelled { break }
            if await tryAcquireOrRenew() {
                lastRenew = .now
            } else if ContinuousClock.now - lastRenew >= config.renewDeadline {
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
        let existing: JSONObject
        do {
            existing = try await client.get(.leases, namespace: config.namespace, name: config.name)
        } catch {
            guard error.isNotFound else { return false }
            let lease = newLease(now: Date(), previous: nil)
            do {
                let created = try await client.create(.leases, namespace: config.namespace, lease)
                await noteWritten(created)
                return true
            } catch {
                return false
            }
        }
        let record = LeaseRecord(existing)
        if observed.changed(to: record) { await callbacks.newLeader(record.holder) }
        if !record.holder.isEmpty, record.holder != config.identity, !observed.expired(leaseDuration: record.duration ?? config.leaseDuration) {
            return false
        }
        var lease = existing
        let taking = record.holder != config.identity
        // Stamped after the read and the decision, not when the round began: a slow read must not make
        // a takeover look earlier than the expiry it was decided on.
        lease["spec"] = .object(newSpec(now: Date(), record: record, taking: taking))
        do {
            let written = try await client.replace(.leases, namespace: config.namespace, lease)
            await noteWritten(written)
            return true
        } catch {
            return false
        }
    }

    private func noteWritten(_ lease: JSONObject) async {
        let record = LeaseRecord(lease)
        if observed.changed(to: record) { await callbacks.newLeader(record.holder) }
        observed.setLeading(true)
    }

    /// Gives the lease up: empty holder, so the next candidate need not wait out the lease.
    func release() async {
        guard let existing = try? await client.get(.leases, namespace: config.namespace, name: config.name),
              LeaseRecord(existing).holder == config.identity
        else { return }
        var lease = existing
        var spec = existing["spec"]?.objectValue ?? [:]
        let now = RFC3339.format(Date(), fractionDigits: 6)
        spec["holderIdentity"] = ""
        spec["leaseDurationSeconds"] = 1
        spec["renewTime"] = .string(now)
        spec["acquireTime"] = .string(now)
        lease["spec"] = .object(spec)
        _ = try? await client.replace(.leases, namespace: config.namespace, lease)
    }

    private func newLease(now: Date, previous: LeaseRecord?) -> JSONObject {
        [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": ["name": .string(config.name), "namespace": .string(config.namespace)],
            "spec": .object(newSpec(now: now, record: nil, taking: true)),
        ]
    }

    private func newSpec(now: Date, record: LeaseRecord?, taking: Bool) -> JSONObject {
        let stamp = RFC3339.format(now, fractionDigits: 6)
        var spec = record?.spec ?? [:]
        spec["holderIdentity"] = .string(config.identity)
        // Whole seconds on the wire; rounded up so that others never wait less than we promised.
        let (seconds, atto) = config.leaseDuration.components
        spec["leaseDurationSeconds"] = .int(seconds + (atto > 0 ? 1 : 0))
        spec["renewTime"] = .string(stamp)
        if taking || spec["acquireTime"] == nil { spec["acquireTime"] = .string(stamp) }
        let transitions = record?.transitions ?? 0
        // client-go counts every acquisition by a candidate that was not the holder.
        spec["leaseTransitions"] = .int(taking && record != nil ? transitions + 1 : transitions)
        return spec
    }
}

/// Leader-election settings that cannot work, in one sentence.
public struct LeaderElectionConfigError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { "leader election: \(message)" }
}

/// The parts of a Lease's spec the election reads.
struct LeaseRecord: Equatable {
    var spec: JSONObject
    var holder: String { spec["holderIdentity"]?.stringValue ?? "" }
    var duration: Duration? { spec["leaseDurationSeconds"]?.intValue.map { .seconds($0) } }
    var transitions: Int64 { spec["leaseTransitions"]?.intValue ?? 0 }

    init(_ lease: JSONObject) { spec = lease["spec"]?.objectValue ?? [:] }
}

/// The last lease record seen and when (on our own clock: clocks of other hosts are not trusted).
final class ObservedLease: @unchecked Sendable {
    private let lock = NSLock()
    private var record: LeaseRecord?
    private var observedAt = ContinuousClock.now
    private var leadingFlag = false

    /// Records `record`; true when it differs from the one seen before.
    func changed(to record: LeaseRecord) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard record != self.record else { return false }
        let holderChanged = record.holder != self.record?.holder
        self.record = record
        observedAt = .now
        return holderChanged
    }

    func expired(leaseDuration: Duration) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return ContinuousClock.now - observedAt > leaseDuration
    }

    var leading: Bool {
        lock.lock()
        defer { lock.unlock() }
        return leadingFlag
    }

    func setLeading(_ value: Bool) {
        lock.lock()
        leadingFlag = value
        lock.unlock()
    }
}
