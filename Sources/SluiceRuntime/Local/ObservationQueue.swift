import Synchronization

/// The runner's outbox: never drops a start, exit or loss, and keeps at most one pending
/// progress update per attempt (a newer one replaces it), so it stays bounded by the
/// number of attempts however slowly the controller reads.
final class ObservationQueue: Sendable {
    private struct State {
        var pending: [AttemptObservation] = []
        var head = 0
        var waiter: CheckedContinuation<AttemptObservation?, Never>?
        var finished = false
        /// When set, observations go straight to it on the pushing thread instead of the queue.
        var sink: (@Sendable (AttemptObservation) -> Void)?
    }

    private let state = Mutex(State())

    /// Delivers every later observation (and any already queued) to `handler` on the thread that
    /// produces it. For controllers that run on their own threads: reading `observations` needs a task
    /// on the cooperative pool, which a busy pool (2 threads here) may not give in time.
    func deliver(to handler: @escaping @Sendable (AttemptObservation) -> Void) {
        let queued: [AttemptObservation] = state.withLock { state in
            state.sink = handler
            defer { state.pending.removeAll(); state.head = 0 }
            return Array(state.pending[state.head...])
        }
        for o in queued { handler(o) }
    }

    func push(_ observation: AttemptObservation) {
        if let sink = state.withLock({ $0.sink }) {
            sink(observation)
            return
        }
        let waiter: CheckedContinuation<AttemptObservation?, Never>? = state.withLock { state in
            if state.finished { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            if case .progress(let handle, _) = observation,
                let index = state.pending[state.head...].firstIndex(where: {
                    if case .progress(let other, _) = $0 { return other == handle }
                    return false
                })
            {
                state.pending[index] = observation
            } else {
                state.pending.append(observation)
            }
            return nil
        }
        waiter?.resume(returning: observation)
    }

    /// The next observation, waiting for one; nil once finished and drained, or when the caller is cancelled.
    func next() async -> AttemptObservation? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<AttemptObservation?, Never>) in
                let ready: AttemptObservation?? = state.withLock { state in
                    if state.head < state.pending.count {
                        let next = state.pending[state.head]
                        state.head += 1
                        if state.head > 64 && state.head * 2 > state.pending.count {
                            state.pending.removeFirst(state.head)
                            state.head = 0
                        }
                        return .some(next)
                    }
                    if state.finished || Task.isCancelled { return .some(nil) }
                    state.waiter = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Ends the stream: later pushes are dropped; readers get what is pending, then nil.
    func finish() {
        let waiter = state.withLock { state in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }
}
