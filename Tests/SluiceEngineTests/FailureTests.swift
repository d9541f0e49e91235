import SluiceModel
import Testing
@testable import SluiceEngine

@Suite struct FailurePolicyTests {
    static func flow(_ policy: String, failureNode: Bool = false) -> String {
        """
        name: failing
        \(echoTasks)
          notify:
            command: [notify, "{{inputs.why}}"]
            inputs: {why: string}
        nodes:
          - {id: a, task: t, inputs: {x: 1}}
          - {id: b, task: t, inputs: {x: a.y}}
          - {id: slow, task: t, inputs: {x: 9}}
          - {id: c, task: t, inputs: {x: b.y}}
          - {id: d, task: t, inputs: {x: c.y}}
        on_failure: {policy: \(policy)\(failureNode ? ", node: {task: notify, inputs: {why: error.message}}" : "")}
        """
    }

    static func behavior(_ spec: AttemptSpec) -> Outcome {
        switch spec.ref.node {
        case "c": return .exit(3)
        case "slow": return .hang
        default: return .exit(0, outputs: "{\"y\": 1}")
        }
    }

    @Test func failFastCancelsRunningNodes() throws {
        let h = try Harness(Self.flow("fail-fast"))
        h.behavior = Self.behavior
        h.settle()
        #expect(h.cancelled.map(\.node) == ["slow"])
        #expect(h.phase("slow") == .aborted)
        #expect(h.phase("d") == .skipped)
        #expect(h.runPhase == .failed)
        #expect(h.state.header.failure?.node == "c")
    }

    @Test func finishRunningLetsRunningNodesEnd() throws {
        let h = try Harness(Self.flow("finish-running"))
        h.behavior = Self.behavior
        h.settle()
        #expect(h.cancelled.isEmpty)
        #expect(h.runPhase == .running)
        h.step([.attemptExited(AttemptRef(node: "slow", attempt: 1), AttemptExit(exitCode: 0, outputsJSON: "{\"y\": 2}"))])
        #expect(h.phase("slow") == .succeeded)
        #expect(h.runPhase == .failed)
    }

    @Test func revertUndoesCompletedTasksNewestFirstFailedOneFirst() throws {
        let h = try Harness(Self.flow("revert"))
        h.behavior = { spec in
            if spec.ref.purpose == .revert { return .exit(0) }
            return spec.ref.node == "slow" ? .exit(0, outputs: "{\"y\": 1}") : Self.behavior(spec)
        }
        h.settle()
        #expect(h.revertOrder == ["c", "b", "slow", "a"] || h.revertOrder == ["c", "slow", "b", "a"])
        #expect(h.started.filter { $0.ref.purpose == .revert }.allSatisfy { $0.command.first == "undo" })
        #expect(Set(h.revertOrder).count == h.revertOrder.count)
        #expect(h.runPhase == .reverted)
        #expect(h.phase("a") == .reverted)
    }

    @Test func aFailingRevertStopsRevertingAndKeepsBothErrors() throws {
        let h = try Harness(Self.flow("revert"))
        h.behavior = { spec in
            if spec.ref.purpose == .revert { return spec.ref.node == "b" ? .exit(4) : .exit(0) }
            return spec.ref.node == "slow" ? .exit(0, outputs: "{\"y\": 1}") : Self.behavior(spec)
        }
        h.settle()
        #expect(h.runPhase == .revertFailed)
        #expect(!h.revertOrder.contains("a"))
        #expect(h.phase("b") == .revertFailed)
        let message = h.state.header.failure?.message ?? ""
        #expect(message.contains("exited with code 3") && message.contains("revert of b failed"))
    }

    @Test func theFailureNodeRunsLastWithTheError() throws {
        let h = try Harness(Self.flow("fail-fast", failureNode: true))
        h.behavior = Self.behavior
        h.settle()
        let last = h.started.last
        #expect(last?.ref.node == "on-failure")
        #expect(last?.command.first == "notify")
        #expect(last?.command.last?.contains("exited with code 3") == true)
        #expect(h.runPhase == .failed)
    }

    @Test func abortCancelsEverythingAndRecordsWho() throws {
        let h = try Harness(Self.flow("fail-fast"))
        h.behavior = { _ in .hang }
        h.settle()
        h.step([.abortRequested(by: "ana", reason: "wrong data")])
        h.settle()
        #expect(Set(h.cancelled.map(\.node)) == ["a", "slow"])
        #expect(h.runPhase == .aborted)
        #expect(h.state.header.abort?.by == "ana")
        #expect(h.phase("b") == .skipped)
        let startedBefore = h.started.count
        h.settle()
        #expect(h.started.count == startedBefore)
    }
}
