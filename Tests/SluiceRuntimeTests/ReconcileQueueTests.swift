import Foundation
import Synchronization
import Testing
@testable import SluiceRuntime

@Suite struct ReconcileQueueTests {
    /// Records which keys were handled, and how many workers handled one key at once.
    final class Recorder: Sendable {
        private let state = Mutex<(handled: [String], inFlight: [String: Int], maxInFlight: Int)>(([], [:], 0))
        let gate = NSCondition()
        nonisolated(unsafe) var release = false

        func enter(_ k: String) {
            state.withLock { s in
                s.inFlight[k, default: 0] += 1
                s.maxInFlight = max(s.maxInFlight, s.inFlight[k]!)
                s.handled.append(k)
            }
        }
        func leave(_ k: String) { state.withLock { $0.inFlight[k]! -= 1 } }
        var handled: [String] { state.withLock { $0.handled } }
        var maxInFlight: Int { state.withLock { $0.maxInFlight } }
    }

    static func eventually(_ done: @escaping @Sendable () -> Bool) async throws {
        try await ControllerLoopTests.eventually("the queue's condition", done)
    }

    @Test func aKeyAddedManyTimesWhileWaitingIsHandledOnce() async throws {
        let queue = ReconcileQueue<String>(clock: ManualClock())
        let r = Recorder()
        for _ in 0..<50 { queue.add("a") }
        queue.add("b")
        queue.startWorkers(3, name: "test") { k in r.enter(k); r.leave(k) }
        try await Self.eventually { r.handled.count == 2 && queue.isIdle }
        #expect(r.handled.sorted() == ["a", "b"])
        queue.shutdown()
    }

    @Test func aKeyIsNeverHandledByTwoWorkersAtOnceAndAnAddDuringHandlingRunsItAgain() async throws {
        let queue = ReconcileQueue<String>(clock: ManualClock())
        let r = Recorder()
        let started = Mutex(0)
        queue.startWorkers(4, name: "test") { k in
            r.enter(k)
            started.withLock { $0 += 1 }
            r.gate.withLock { while !r.release { r.gate.wait() } }
            r.leave(k)
        }
        queue.add("a")
        try await Self.eventually { started.withLock { $0 } == 1 }
        for _ in 0..<10 { queue.add("a") }  // while "a" is being handled
        r.gate.withLock { r.release = true; r.gate.broadcast() }
        try await Self.eventually { r.handled.count == 2 && queue.isIdle }
        #expect(r.handled == ["a", "a"])
        #expect(r.maxInFlight == 1)
        queue.shutdown()
    }

    @Test func aDelayedKeyWaitsForTheClockNotForWallTime() async throws {
        let clock = ManualClock()
        let queue = ReconcileQueue<String>(clock: clock)
        let r = Recorder()
        queue.startWorkers(1, name: "test") { k in r.enter(k); r.leave(k) }
        queue.add("later", at: clock.now().addingTimeInterval(3600))
        queue.add("now")
        try await Self.eventually { r.handled == ["now"] && queue.isIdle }
        clock.advance(by: 3599)
        try await Self.eventually { queue.isIdle }
        #expect(r.handled == ["now"])
        clock.advance(by: 1)
        try await Self.eventually { r.handled == ["now", "later"] }
        queue.shutdown()
    }

    @Test func rateLimitedAddsBackOffExponentiallyUntilForgotten() async throws {
        let clock = ManualClock()
        let queue = ReconcileQueue<String>(clock: clock, backoffBase: 1, backoffMax: 8)
        let r = Recorder()
        queue.startWorkers(1, name: "test") { k in r.enter(k); r.leave(k) }
        queue.addRateLimited("k")  // due in 1 s
        clock.advance(by: 1)
        try await Self.eventually { r.handled.count == 1 }
        queue.addRateLimited("k")  // due in 2 s
        clock.advance(by: 1.5)
        try await Self.eventually { queue.isIdle }
        #expect(r.handled.count == 1)
        clock.advance(by: 0.5)
        try await Self.eventually { r.handled.count == 2 }
        queue.forget("k")
        queue.addRateLimited("k")  // back to 1 s
        clock.advance(by: 1)
        try await Self.eventually { r.handled.count == 3 }
        queue.shutdown()
    }
}
