import Synchronization

/// What the controller counted, for `/metrics` and for tests: steps, attempts, and every error it handled
/// instead of dropping (commit failures, backend start failures, lost leases, failed renewals, cache writes).
public final class ControllerMetrics: Sendable {
    /// One counter's name, as exposed (prefixed `sluice_controller_`).
    public enum Counter: String, Sendable, CaseIterable {
        case steps, attemptsStarted = "attempts_started", attemptsCancelled = "attempts_cancelled"
        case commitErrors = "commit_errors", loadErrors = "load_errors", backendErrors = "backend_errors"
        case leaseRenewErrors = "lease_renew_errors", leasesLost = "leases_lost", cacheErrors = "cache_errors"
        case inboxErrors = "inbox_errors", claimErrors = "claim_errors", runsFinished = "runs_finished"
        /// A timer woke a run before it was due (its wake time moved later) and the real time was re-armed.
        case earlyWakes = "early_wakes"
    }

    private let counts = Mutex([Counter: Int]())

    public init() {}

    func add(_ c: Counter, _ n: Int = 1) { counts.withLock { $0[c, default: 0] += n } }

    /// The current value of every counter.
    public func snapshot() -> [Counter: Int] { counts.withLock { $0 } }

    public subscript(_ c: Counter) -> Int { counts.withLock { $0[c] ?? 0 } }
}
