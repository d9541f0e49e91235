import Foundation
import SluiceRuntime
import SluiceStore

/// Finds the runs this server should drive (queued ones, and unfinished ones whose lease expired or whose
/// local owner died) and drives each on its own thread, never on the Swift concurrency pool: a driver blocks
/// its thread until the run ends.
public final class RunScheduler: @unchecked Sendable {
    /// The controller whose store and runner the drivers use.
    public let controller: Controller
    /// The lease-holder name of this server's drivers.
    public let owner: String
    /// What this server's drivers measured (for `/metrics`).
    public let metrics = ServerMetrics()
    private let poll: TimeInterval
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var active: Set<String> = []
    private var drivers: [String: RunDriver] = [:]
    private var baseURL: String?
    private var failedAt: [String: Date] = [:]
    private var stopping = false
    private var poked = false
    private var loopRunning = false
    private var lastTick = Date.distantPast

    /// A scheduler over `controller`; it drives nothing until `start()`.
    public init(controller: Controller, owner: String = RunDriver.localOwner(), poll: TimeInterval = 0.2) {
        self.controller = controller
        self.owner = owner
        self.poll = poll
    }

    /// Starts the loop thread: it takes every claimable run at once, then polls.
    public func start() {
        condition.lock()
        loopRunning = true
        condition.unlock()
        let thread = Thread { [self] in loop() }
        thread.name = "sluice-scheduler"
        thread.start()
    }

    /// Looks for work now instead of at the next poll (after a submission).
    public func poke() {
        condition.lock()
        poked = true
        condition.signal()
        condition.unlock()
    }

    /// Stops taking work and gives up the leases of the runs being driven, so another server (or this one,
    /// restarted) adopts them; their running attempts stay under their supervisors.
    public func stop() {
        condition.lock()
        stopping = true
        let runs = active
        condition.signal()
        condition.unlock()
        for id in runs { _ = try? controller.store.release(runID: id, owner: owner) }
    }

    /// Whether the loop is running and polled recently (for `/readyz`).
    public var isRunning: Bool {
        condition.lock()
        defer { condition.unlock() }
        return loopRunning && !stopping && Date().timeIntervalSince(lastTick) < max(5, poll * 10)
    }

    /// This server's own base URL (`http://host:port`), given to attempts as their callback address; runs
    /// started before it is known get no callback URL.
    public var callbackBaseURL: String? {
        get { condition.lock(); defer { condition.unlock() }; return baseURL }
        set { condition.lock(); baseURL = newValue; condition.unlock() }
    }

    /// The driver of run `id` when this server drives it now.
    public func activeDriver(_ id: String) -> RunDriver? {
        condition.lock()
        defer { condition.unlock() }
        return drivers[id]
    }

    /// Ids of the runs being driven now.
    public var activeRuns: [String] {
        condition.lock()
        defer { condition.unlock() }
        return active.sorted()
    }

    private func loop() {
        var round = 0
        while true {
            condition.lock()
            if stopping { loopRunning = false; condition.unlock(); return }
            lastTick = Date()
            condition.unlock()
            var ids = (try? controller.store.claimableRuns(now: Date())) ?? []
            if round % 10 == 0 { ids += runsOfDeadLocalOwners() }
            round += 1
            for id in ids { drive(id) }
            condition.lock()
            if !stopping && !poked { _ = condition.wait(until: Date().addingTimeInterval(poll)) }
            poked = false
            condition.unlock()
        }
    }

    /// Unfinished runs leased by a process of this machine that is gone (kill -9): the driver takes them
    /// over at once instead of waiting for the lease to expire.
    private func runsOfDeadLocalOwners() -> [String] {
        guard let runs = try? controller.store.listRuns(state: SluiceStore.RunState.unfinished, limit: 1000) else { return [] }
        return runs.compactMap { r in
            guard let lease = try? controller.store.lease(runID: r.id), lease.owner != owner else { return nil }
            let parts = lease.owner.split(separator: ":")
            guard parts.count == 3, parts[0] == "local", String(parts[1]) == ProcessInfo.processInfo.hostName,
                  let pid = Int32(parts[2]), kill(pid, 0) != 0, errno == ESRCH else { return nil }
            return r.id
        }
    }

    /// Starts a worker thread for `id` unless one drives it already or it failed moments ago.
    private func drive(_ id: String) {
        condition.lock()
        let recentFailure = failedAt[id].map { Date().timeIntervalSince($0) < 5 } ?? false
        guard !stopping, !active.contains(id), !recentFailure else { condition.unlock(); return }
        active.insert(id)
        let base = baseURL
        condition.unlock()
        let driver = controller.driver(for: id, leaseOwner: owner, callbackBaseURL: base)
        condition.lock()
        drivers[id] = driver
        condition.unlock()
        driver.onStep = { [metrics] state, events in metrics.record(runID: id, state: state, events: events) }
        let thread = Thread { [self] in
            var failed = false
            do { _ = try driver.drive() } catch { failed = true }
            condition.lock()
            active.remove(id)
            drivers[id] = nil
            if failed { failedAt[id] = Date() } else { failedAt[id] = nil }
            condition.unlock()
        }
        thread.name = "sluice-run-\(id)"
        thread.start()
    }
}
