import SluiceModel
import Testing
@testable import SluiceEngine

/// Interruptible (spot) attempts: every attempt but the last one a retry budget allows.
@Suite struct InterruptibleTests {
    static func flow(_ retries: String) -> String {
        """
        name: spot
        tasks:
          t:
            command: [work]
            interruptible: true
            retries: \(retries)
        steps:
          - name: Training
            nodes: [{id: a, task: t}]
        """
    }

    @Test func theLastUserAttemptRunsWithoutInterruptible() throws {
        let h = try Harness(Self.flow("{attempts: 3, backoff: {base: 1s, max: 1s}}"))
        h.behavior = { _ in .exit(1) }
        h.settle()
        for _ in 0..<4 { h.advanceToWake() }
        #expect(h.started.map(\.interruptible) == [true, true, false])
        #expect(h.started.allSatisfy { $0.step == "Training" })
    }

    @Test func theLastSystemRetryRunsWithoutInterruptible() throws {
        let h = try Harness(Self.flow("{attempts: 1, system_attempts: 3, backoff: {base: 1s, max: 1s}}"))
        h.behavior = { _ in .lost }
        h.settle()
        for _ in 0..<4 { h.advanceToWake() }
        #expect(h.started.map(\.interruptible) == [true, true, false])
    }

    @Test func aNodeSettingOverridesTheTask() throws {
        let h = try Harness(Self.flow("{attempts: 2}").replacingOccurrences(of: "{id: a, task: t}", with: "{id: a, task: t, interruptible: false}"))
        h.behavior = { _ in .exit(0) }
        h.settle()
        #expect(h.started.map(\.interruptible) == [false])
    }
}
