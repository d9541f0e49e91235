import SluiceModel
import Testing
@testable import SluiceEngine

@Suite struct RetryTests {
    static let flow = """
        name: retry
        tasks:
          t:
            command: [work]
            outputs: {y: int}
            retries: {attempts: 3, system_attempts: 2, backoff: {base: 1s, factor: 2, max: 3s}}
        nodes:
          - {id: a, task: t}
        """

    @Test func userErrorsRetryWithBackoffUntilTheBudgetIsUsed() throws {
        let h = try Harness(Self.flow)
        h.behavior = { _ in .exit(1) }
        h.settle()
        #expect(h.started.count == 1)
        #expect(h.phase("a") == .waiting)
        #expect(h.wake == h.now + 1000)
        h.advance(ms: 999)
        #expect(h.started.count == 1)
        h.advance(ms: 1)
        #expect(h.started.count == 2)
        #expect(h.wake == h.now + 2000)
        h.advanceToWake()
        #expect(h.started.count == 3)
        #expect(h.phase("a") == .failed)
        #expect(h.node("a")?.attempts.count == 3)
        #expect(h.node("a")?.failure?.message.contains("exited with code 1") == true)
        #expect(h.runPhase == .failed)
    }

    @Test func systemErrorsHaveTheirOwnBudget() throws {
        let h = try Harness(Self.flow)
        var tries = 0
        h.behavior = { _ in
            tries += 1
            return tries <= 2 ? .lost : (tries == 3 ? .exit(1) : .exit(0, outputs: "{\"y\": 7}"))
        }
        h.settle()
        h.advanceToWake()
        // Second lost attempt exhausts system_attempts: 2.
        #expect(h.phase("a") == .failed)
        #expect(h.node("a")?.systemFailures == 2)
        #expect(h.node("a")?.userFailures == 0)
        #expect(h.node("a")?.failure?.kind == .system)
    }

    @Test func aSystemErrorDoesNotUseUserRetries() throws {
        let h = try Harness(Self.flow)
        var tries = 0
        h.behavior = { _ in
            tries += 1
            return tries == 1 ? .lost : (tries <= 3 ? .exit(1) : .exit(0, outputs: "{\"y\": 7}"))
        }
        h.settle()
        for _ in 0..<5 { h.advanceToWake() }
        // One lost attempt and two user failures: the lost one did not use a user retry, so the fourth try runs.
        #expect(h.phase("a") == .succeeded)
        #expect(h.node("a")?.systemFailures == 1)
        #expect(h.node("a")?.userFailures == 2)
        #expect(h.started.count == 4)
    }
}

@Suite struct TimeoutTests {
    @Test func runtimeTimeoutKillsTheAttemptAndRetries() throws {
        let h = try Harness("""
            name: slow
            tasks:
              t: {command: [sleep, "100"], retries: {attempts: 2, backoff: {base: 1s}}, timeout: 10s}
            nodes:
              - {id: a, task: t}
            """)
        h.behavior = { _ in .hang }
        h.settle()
        #expect(h.phase("a") == .running)
        #expect(h.wake == h.now + 10_000)
        h.advance(ms: 5000)
        #expect(h.cancelled.isEmpty)
        // The runtime check happens when the engine is woken; the controller wakes it at the attempt's start + limit.
        h.advance(ms: 5000)
        #expect(h.cancelled.count == 1)
        #expect(h.node("a")?.attempts.first?.phase == .timedOut)
        #expect(h.phase("a") == .waiting)
        h.advanceToWake()
        h.advance(ms: 10_000)
        #expect(h.phase("a") == .timedOut)
        #expect(h.runPhase == .timedOut)
    }

    @Test func deadlineOverAllAttemptsIsFinal() throws {
        let h = try Harness("""
            name: slow
            tasks:
              t: {command: [sleep, "100"], retries: 5, timeout: {deadline: 30s}}
            nodes:
              - {id: a, task: t}
            """)
        h.behavior = { _ in .hang }
        h.settle()
        #expect(h.wake == h.now + 30_000)
        h.advanceToWake()
        #expect(h.cancelled.count == 1)
        #expect(h.phase("a") == .timedOut)
        #expect(h.started.count == 1)
        #expect(h.runPhase == .timedOut)
    }
}

@Suite struct QueuedTimeoutTests {
    @Test func anAttemptThatNeverStartsIsCancelledAfterItsQueuedLimit() throws {
        let h = try Harness("""
            name: queued
            tasks:
              t: {command: [work], timeout: {queued: 5s}}
            nodes:
              - {id: a, task: t}
            """)
        // The backend accepts the attempt but never starts it (no capacity).
        h.behavior = { _ in .hang }
        h.step()
        h.queue = []
        #expect(h.phase("a") == .queued)
        #expect(h.wake == h.now + 5000)
        h.advance(ms: 5000)
        #expect(h.cancelled.map(\.node) == ["a"])
        #expect(h.phase("a") == .timedOut)
        #expect(h.node("a")?.failure?.message.contains("queued timeout") == true)
    }
}

@Suite struct HeartbeatTests {
    @Test func aTaskThatGoesSilentIsStoppedAsASystemErrorAndRetried() throws {
        let h = try Harness("""
            name: beats
            tasks:
              t: {command: [work], heartbeat: 10s, retries: {attempts: 1, system_attempts: 2, backoff: {base: 1s}}}
            nodes:
              - {id: a, task: t}
            """)
        h.behavior = { _ in .hang }
        h.settle()
        #expect(h.wake == h.now + 10_000)
        h.advance(ms: 5000)
        h.step([.progress(AttemptRef(node: "a", attempt: 1), Progress(fraction: 0.5))])
        #expect(h.wake == h.now + 10_000)
        h.advance(ms: 9000)
        #expect(h.cancelled.isEmpty)
        h.step([.heartbeat(AttemptRef(node: "a", attempt: 1))])
        h.advance(ms: 10_000)
        #expect(h.cancelled.map(\.node) == ["a"])
        #expect(h.node("a")?.attempts.first?.phase == .lost)
        #expect(h.node("a")?.systemFailures == 1)
        #expect(h.node("a")?.userFailures == 0)
        #expect(h.phase("a") == .waiting)
        h.advanceToWake()
        #expect(h.started.count == 2)
    }
}

@Suite struct ProgressEventTests {
    @Test func aReportThatChangesWhatTheNodeShowsIsOneProgressEventWithTheReport() throws {
        let h = try Harness("""
            name: reports
            tasks:
              t: {command: [work]}
            nodes:
              - {id: a, task: t}
            """)
        h.behavior = { _ in .hang }
        h.settle()
        let ref = AttemptRef(node: "a", attempt: 1)
        let report = Progress(fraction: 0.4, message: "loading shards", metrics: ["loss": 0.25, "acc": 0.5])
        let first = h.step([.progress(ref, report)])
        let events = first.events.filter { $0.kind == "progress" }
        #expect(events.count == 1)
        #expect(events.first?.node == "a" && events.first?.attempt == 1)
        #expect(events.first?.message == "40%: loading shards (acc=0.5, loss=0.25)")
        #expect(events.first?.progress == report)
        #expect(h.node("a")?.progress == report)
        // The same report again changes nothing a watcher sees: no event.
        #expect(h.step([.progress(ref, report)]).events.allSatisfy { $0.kind != "progress" })
        let next = h.step([.progress(ref, Progress(message: "waiting for a pod slot"))])
        #expect(next.events.filter { $0.kind == "progress" }.map(\.message) == ["waiting for a pod slot"])
    }
}
