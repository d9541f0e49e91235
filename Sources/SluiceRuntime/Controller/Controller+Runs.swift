import Foundation
import SluiceEngine
import SluiceModel
import SluiceStore

/// What became of a callback handed to `deliver`.
public enum Delivery: Sendable, Equatable {
    case delivered
    /// This controller does not drive the run.
    case runNotDriven
    /// The attempt is not running (finished, not started, or unknown).
    case notRunning
}

extension Controller {
    /// Takes run `id` on: claims its lease (at once from a dead local owner), adopts its attempts and
    /// drives it to its end. Returns at once; `waitForEnd` blocks until it ends. `watcher` is as for `watch`,
    /// registered before the first step.
    public func drive(_ id: String, watcher: (@Sendable (SluiceEngine.RunState, [RunEvent]) -> Void)? = nil) {
        ends.reset(id)
        let slot = adoptSlot(id)
        if let watcher { _ = slot.addWatcher(watcher) }
        queue.add(id)
    }

    /// Blocks the calling thread until run `id` (driven here) ends; its final state, or why it could not
    /// be driven (no such run, another live controller owns it, the controller stopped).
    @available(*, noasync, message: "blocks its thread; wait from a thread of your own")
    public func waitForEnd(_ id: String) throws -> SluiceEngine.RunState {
        try ends.wait(id).get()
    }

    /// Suspends until run `id` (driven here) ends, without holding a thread: for async callers.
    public func ended(_ id: String) async throws -> SluiceEngine.RunState {
        try await ends.ended(id).get()
    }

    /// Calls `watcher` after each durable step of run `id` with the new state and the events it added; returns
    /// a token for `unwatch`. Runs on a worker thread: return quickly and do not keep the state (holding it
    /// makes the next step copy the node table).
    @discardableResult
    public func watch(_ id: String, _ watcher: @escaping @Sendable (SluiceEngine.RunState, [RunEvent]) -> Void) -> Int? {
        slots.withLock { $0[id] }?.addWatcher(watcher)
    }

    public func unwatch(_ id: String, _ token: Int) {
        slots.withLock { $0[id] }?.removeWatcher(token)
    }

    /// Asks a run driven here to stop (Ctrl-C): running attempts are cancelled, nothing new starts.
    public func requestAbort(_ id: String, by: String, reason: String) {
        guard let slot = slots.withLock({ $0[id] }) else { return }
        slot.post(.abortRequested(by: by, reason: reason))
        queue.add(id)
    }

    /// Hands a task's callback (`.progress` or `.heartbeat`) to the run when its attempt runs here.
    public func deliver(_ id: String, _ observation: Observation) -> Delivery {
        let ref: AttemptRef
        switch observation {
        case .progress(let r, _), .heartbeat(let r): ref = r
        default: return .notRunning
        }
        guard let slot = slots.withLock({ $0[id] }) else { return .runNotDriven }
        guard slot.postIfRunning(observation, ref: ref) else { return .notRunning }
        queue.add(id)
        return .delivered
    }

    /// Says that run `id`'s inbox has a new message (posted by this process): reconcile it now rather than
    /// at the next inbox probe.
    public func inboxPosted(_ id: String) {
        guard let slot = slots.withLock({ $0[id] }) else {
            if options.claimsRuns { housekeeping?.poke() }
            return
        }
        slot.noteInboxNews()
        queue.add(id)
    }

    /// Looks for runs to claim now (after a submission) instead of at the next poll.
    public func poke() { housekeeping?.poke() }

    /// Ids of the runs this controller drives now.
    public var drivenRuns: [String] { slots.withLock { Array($0.keys) }.sorted() }

    /// Whether the loop is up (for `/readyz`).
    public var isRunning: Bool { housekeeping?.isAlive ?? false }

    /// A backend observation: queue the run when it is ours; a run driven elsewhere hears of it from the
    /// backend again when its controller adopts the attempt.
    func observed(_ runID: String, _ o: Observation) {
        guard let slot = slots.withLock({ $0[runID] }) else {
            logger.debug("observation for a run not driven here", metadata: ["run": "\(runID)"])
            return
        }
        slot.post(o)
        queue.add(runID)
    }

    /// The run's slot, made when missing.
    @discardableResult
    func adoptSlot(_ id: String) -> RunSlot {
        slots.withLock { s in
            if let slot = s[id] { return slot }
            let slot = RunSlot(id: id)
            s[id] = slot
            return slot
        }
    }

    /// Forgets a run: it ended, or its lease went to another controller.
    func dropSlot(_ id: String) {
        _ = slots.withLock { $0.removeValue(forKey: id) }
        queue.cancelDelayed(id)
        queue.forget(id)
    }
}
