import Foundation
import SluiceEngine
import SluiceModel

/// Where attempts run: local processes, containers, pods. The controller knows backends only through this
/// seam; nothing outside a backend knows about its supervisors, folders, containers or pods.
///
/// Every call may be repeated: `start` of an attempt that exists (same run and ref, hence the same external
/// name) adopts it instead of starting it twice, and `cancel` of an attempt that ended does nothing.
public protocol AttemptBackend: AnyObject, Sendable {
    /// The name users pick it by (`--backend local`).
    var name: String { get }
    /// What flows this backend can run; the controller refuses the rest at submit time.
    var capabilities: BackendCapabilities { get }
    /// Sets the one receiver of observations about every attempt of every run; called once, before any start.
    /// Observations arrive on the backend's own threads; the receiver returns quickly.
    func observe(_ receiver: @escaping @Sendable (_ runID: String, _ observation: Observation) -> Void)
    /// Starts an attempt, or adopts it when it exists. A start that cannot even begin (no such program,
    /// unreadable secret) throws; the controller records it as the attempt's failure.
    func start(_ spec: AttemptSpec, extraEnvironment: [String: String]) throws(BackendError)
    /// Asks the attempt to stop: a polite signal, then a forced stop after `grace`. Its end is observed as usual.
    func cancel(runID: String, attempt: AttemptRef, grace: Duration)
    /// Cancels several attempts of one step at once (an abort, a failed branch). A backend that queues attempts
    /// for a slot drops the queued ones of the batch before it stops the running ones, so a slot freed by one of
    /// them is not handed to another attempt of the same batch.
    func cancel(runID: String, attempts: [AttemptRef], grace: Duration)
    /// After a controller restart: the run's attempts this backend still knows (running, or ended while nobody
    /// watched). Their observations follow through `observe`; attempts not returned were never started.
    func adopt(runID: String) -> Set<AttemptRef>
    /// Where an attempt's logs and files are kept, for the store's attempt rows (nil when the backend keeps none).
    func location(runID: String, attempt: AttemptRef) -> String?
}

extension AttemptBackend {
    public func cancel(runID: String, attempts: [AttemptRef], grace: Duration) {
        for ref in attempts { cancel(runID: runID, attempt: ref, grace: grace) }
    }
}

/// A backend's failure to start or reach an attempt, in one sentence that names the attempt.
public struct BackendError: Error, Sendable, CustomStringConvertible {
    /// Whose fault a failed start is, which decides the retry budget it is charged to.
    public enum Kind: Sendable, Hashable {
        /// The task as written cannot start (an argument with a NUL byte, a missing secret, an image that does
        /// not exist): a user error, charged to the task's retries.
        case user
        /// The controller or its machine failed (no file descriptors, a full disk, the engine unreachable):
        /// retried from the system budget with backoff, never blamed on the task.
        case system
    }

    public var message: String
    public var kind: Kind
    public init(_ message: String, kind: Kind = .system) {
        self.message = message
        self.kind = kind
    }
    public var description: String { message }
}
