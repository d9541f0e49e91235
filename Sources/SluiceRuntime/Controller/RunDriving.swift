import Foundation
import SluiceStore

/// Whether some controller drives an unfinished run now, read from its lease: for `status` (a run nobody
/// drives says so, and how to continue it) and for `abort` (which must then drive the abort itself).
public enum RunDriving: Sendable, Equatable {
    /// A live controller holds the lease.
    case driven(by: String)
    /// Nobody drives it: no lease, an expired one, or one held by a dead process of this machine.
    case notDriven(why: String)

    /// The run's driving as of now.
    public static func of(_ runID: String, in store: Store, now: Date = Date()) throws -> RunDriving {
        guard let lease = try store.lease(runID: runID) else {
            return .notDriven(why: "no controller has claimed it")
        }
        let owner = LeaseOwner(lease.owner)
        if owner.isDeadLocalProcess {
            return .notDriven(why: "its controller (process \(owner.localPID.map(String.init) ?? "?")) has exited")
        }
        if lease.expires <= now {
            return .notDriven(why: "its controller (\(lease.owner)) stopped renewing its lease")
        }
        return .driven(by: lease.owner)
    }
}
