import Foundation
import SluiceEngine

/// How driven runs ended, for callers that wait on a thread of their own (`sluice run`, `resume`, tests).
final class RunEnds: @unchecked Sendable {
    private let condition = NSCondition()
    private var results: [String: Result<SluiceEngine.RunState, any Error>] = [:]
    private var waiters: [String: [CheckedContinuation<Result<SluiceEngine.RunState, any Error>, Never>]] = [:]

    func finish(_ id: String, _ result: Result<SluiceEngine.RunState, any Error>) {
        let resumed = condition.withLock {
            results[id] = result
            condition.broadcast()
            return waiters.removeValue(forKey: id) ?? []
        }
        for w in resumed { w.resume(returning: result) }
    }

    func abandon(_ ids: [String], _ error: any Error) {
        for id in ids where condition.withLock({ results[id] == nil }) { finish(id, .failure(error)) }
    }

    /// Suspends (without blocking a thread) until the run ends.
    func ended(_ id: String) async -> Result<SluiceEngine.RunState, any Error> {
        await withCheckedContinuation { c in
            let ready: Result<SluiceEngine.RunState, any Error>? = condition.withLock {
                if let r = results[id] { return r }
                waiters[id, default: []].append(c)
                return nil
            }
            if let ready { c.resume(returning: ready) }
        }
    }

    /// Forgets an earlier end so the run can be driven and waited on again.
    func reset(_ id: String) { condition.withLock { _ = results.removeValue(forKey: id) } }

    /// Blocks the calling thread until the run ends. Never call it from the Swift concurrency pool.
    @available(*, noasync, message: "blocks its thread; wait from a thread of your own")
    func wait(_ id: String) -> Result<SluiceEngine.RunState, any Error> {
        condition.lock()
        defer { condition.unlock() }
        while results[id] == nil { condition.wait() }
        return results[id]!
    }
}
