import NIOCore
import SluiceRuntime
import Synchronization

/// The idle keep-alive connections to one upstream (one app, one replica's loopback port or one Service), most
/// recently used first.
/// A connection comes back only after a clean exchange; beyond `maxIdle` it is closed instead.
final class ReplicaPool: Sendable {
    /// Idle connections kept per replica at most.
    static let maxIdle = 64
    /// An idle connection is closed after this long (below the keep-alive timeouts of common servers).
    static let idleNanoseconds: UInt64 = 4_000_000_000

    private struct State {
        var idle: [ReplicaConnection] = []
        var closed = false
    }
    private let state = Mutex(State())
    /// Called when a connection goes idle, so the sweeper runs.
    private let onIdle: @Sendable () -> Void

    init(onIdle: @escaping @Sendable () -> Void) { self.onIdle = onIdle }

    /// An idle connection that is still open, if any.
    /// With `idleAtMost` (nanoseconds), only a connection idle no longer than that: a request that cannot be
    /// sent again (one with a body, or not idempotent) is lost when the replica closes an idle connection under
    /// it, and servers close idle ones after as little as 2 s. The idle list is newest last, so an older one
    /// ends the search and stays for the next request.
    func checkout(idleAtMost: UInt64? = nil) -> ReplicaConnection? {
        let now = NIODeadline.now().uptimeNanoseconds
        while let connection = state.withLock({ s -> ReplicaConnection? in
            guard let last = s.idle.last else { return nil }
            if let limit = idleAtMost, now &- last.idleSince.load(ordering: .relaxed) > limit { return nil }
            return s.idle.popLast()
        }) {
            if connection.isActive { return connection }
            connection.retire()
        }
        return nil
    }

    /// Takes `connection` back as idle; false when it must close (the pool is closed or full, or it is closed).
    func checkin(_ connection: ReplicaConnection) -> Bool {
        guard connection.isActive else { return false }
        connection.idleSince.store(NIODeadline.now().uptimeNanoseconds, ordering: .relaxed)
        let kept = state.withLock { s in
            guard !s.closed, s.idle.count < Self.maxIdle else { return false }
            s.idle.append(connection)
            return true
        }
        if kept { onIdle() }
        return kept
    }

    /// Closes the connections idle since before `cutoff` (uptime nanoseconds); true when some stay idle.
    func sweep(idleBefore cutoff: UInt64) -> Bool {
        let (stale, left) = state.withLock { s in
            let stale = s.idle.filter { $0.idleSince.load(ordering: .relaxed) < cutoff || !$0.isActive }
            if !stale.isEmpty { s.idle.removeAll { c in stale.contains { $0 === c } } }
            return (stale, !s.idle.isEmpty)
        }
        for connection in stale { connection.retire() }
        return left
    }

    /// Closes every idle connection; connections in use close when their exchange ends.
    func close() {
        let idle = state.withLock { s in
            s.closed = true
            defer { s.idle = [] }
            return s.idle
        }
        for connection in idle { connection.retire() }
    }
}

/// The gateway's connection pools, one per replica, and the sweeper that closes idle connections after
/// `ReplicaPool.idleNanoseconds` and all of them once their replica is no longer healthy (stopped, restarted
/// on another port, failing checks). The sweeper runs once a second while any connection is idle.
final class ReplicaPools: Sendable {
    private struct State {
        var pools: [String: [AppAddress: ReplicaPool]] = [:]
        var sweeping = false
    }
    private let state = Mutex(State())
    /// The addresses of app NAME's live upstreams; nil when the app no longer runs here.
    private let liveAddresses: @Sendable (String) -> Set<AppAddress>?

    init(liveAddresses: @escaping @Sendable (String) -> Set<AppAddress>?) { self.liveAddresses = liveAddresses }

    // The gateway is gone (its server stopped): no sweeper will come for the idle connections.
    deinit { closeAll() }

    /// The pool of app `app`'s upstream at `address`.
    func pool(app: String, address: AppAddress) -> ReplicaPool {
        if let pool = state.withLock({ $0.pools[app]?[address] }) { return pool }
        let created = ReplicaPool { [weak self] in self?.startSweeping() }
        return state.withLock { s in
            if let existing = s.pools[app]?[address] { return existing }
            s.pools[app, default: [:]][address] = created
            return created
        }
    }

    /// Closes every pool (the server stops).
    func closeAll() {
        let all = state.withLock { s in
            defer { s.pools = [:] }
            return s.pools.values.flatMap(\.values)
        }
        for pool in all { pool.close() }
    }

    private func startSweeping() {
        let start = state.withLock { s in
            if s.sweeping { return false }
            s.sweeping = true
            return true
        }
        guard start else { return }
        Task.detached { [weak self] in
            while true {
                try? await Task.sleep(nanoseconds: 1_000_000_000)
                guard let self, self.sweep() else { return }
            }
        }
    }

    /// One round; false (and the sweeper stops) when no connection is idle any more.
    private func sweep() -> Bool {
        let apps = state.withLock { Array($0.pools.keys) }
        var gone: [ReplicaPool] = []
        var live: [ReplicaPool] = []
        for app in apps {
            let healthy = liveAddresses(app) ?? []
            state.withLock { s in
                for (address, pool) in s.pools[app] ?? [:] {
                    if healthy.contains(address) {
                        live.append(pool)
                    } else {
                        gone.append(pool)
                        s.pools[app]?[address] = nil
                    }
                }
                if s.pools[app]?.isEmpty == true { s.pools[app] = nil }
            }
        }
        for pool in gone { pool.close() }
        let now = NIODeadline.now().uptimeNanoseconds
        let cutoff = now > ReplicaPool.idleNanoseconds ? now - ReplicaPool.idleNanoseconds : 0
        var anyIdle = false
        for pool in live where pool.sweep(idleBefore: cutoff) { anyIdle = true }
        if anyIdle { return true }
        // Stop, unless a connection went idle while this round ran (its pool saw `sweeping` still set), in any
        // pool, one made during the round too.
        let current = state.withLock { s in
            s.sweeping = false
            return s.pools.values.flatMap(\.values)
        }
        let raced = current.contains { $0.sweep(idleBefore: 0) }
        if raced { startSweeping() }
        return false
    }
}
