import Foundation
import Synchronization
@testable import SluiceKube

/// A clock that moves only when a test moves it. Sleepers wait until `advance(by:)` reaches their
/// deadline (or their task is cancelled); with `autoAdvance` each sleep instead moves the clock to its own
/// end at once, for code whose waits should pass but be recorded.
final class ManualClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }

    private struct Sleeper {
        let id: Int
        let deadline: Instant
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [Sleeper] = []
        var cancelled: Set<Int> = []
        var nextID = 0
        var slept: [Duration] = []
    }

    private let state = Mutex(State())
    private let autoAdvance: Bool
    /// The calendar time at offset zero.
    let origin: Date

    init(autoAdvance: Bool = false, origin: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        self.autoAdvance = autoAdvance
        self.origin = origin
    }

    var now: Instant { state.withLock { $0.now } }
    var minimumResolution: Duration { .nanoseconds(1) }

    /// Calendar time that moves with this clock.
    var date: Date {
        let (seconds, atto) = now.offset.components
        return origin.addingTimeInterval(Double(seconds) + Double(atto) / 1e18)
    }

    /// This clock for SluiceKube, its calendar time included.
    var kube: KubeClock { KubeClock(self, date: { self.date }) }

    /// How many tasks are waiting on this clock now.
    var sleepers: Int { state.withLock { $0.sleepers.count } }

    /// Every wait asked for so far, in order.
    var slept: [Duration] { state.withLock { $0.slept } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        if autoAdvance {
            state.withLock { s in
                s.slept.append(s.now.duration(to: deadline))
                if s.now < deadline { s.now = deadline }
            }
            await Task.yield()
            try Task.checkCancellation()
            return
        }
        let id = state.withLock { s in
            s.nextID += 1
            s.slept.append(s.now.duration(to: deadline))
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: (any Error)?? = state.withLock { s in
                    if s.cancelled.remove(id) != nil { return .some(CancellationError()) }
                    if deadline <= s.now { return .some(nil) }
                    s.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return .none
                }
                switch resumeNow {
                case .some(.some(let error)): continuation.resume(throwing: error)
                case .some(.none): continuation.resume()
                case .none: break
                }
            }
        } onCancel: {
            let sleeper = state.withLock { s -> Sleeper? in
                guard let i = s.sleepers.firstIndex(where: { $0.id == id }) else {
                    s.cancelled.insert(id)
                    return nil
                }
                return s.sleepers.remove(at: i)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock on and wakes every sleeper whose deadline has come.
    func advance(by duration: Duration) {
        let due = state.withLock { s -> [Sleeper] in
            s.now = s.now.advanced(by: duration)
            let now = s.now
            let due = s.sleepers.filter { $0.deadline <= now }
            s.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }
}
