import SluiceModel
import Testing
@testable import SluiceEngine

@Suite struct DependencyTests {
    @Test func chainRunsInOrderAndPassesValues() throws {
        let h = try Harness("""
            name: chain
            outputs: {out: c.y}
            \(echoTasks)
            nodes:
              - {id: a, task: t, inputs: {x: 1}}
              - {id: b, task: t, inputs: {x: a.y}}
              - {id: c, task: t, inputs: {x: b.y}}
            """)
        h.behavior = { spec in
            let x = spec.inputs["x"].flatMap { if case .int(let i) = $0 { i } else { nil } } ?? 0
            return .exit(0, outputs: "{\"y\": \(x * 10)}")
        }
        h.settle()
        #expect(h.startOrder == ["a", "b", "c"])
        #expect(h.started[1].command == ["work", "10"])
        #expect(h.runPhase == .succeeded)
        #expect(h.state.header.outputs == ["out": .int(1000)])
        #expect(h.finished == .succeeded)
    }

    @Test func independentNodesStartTogether() throws {
        let h = try Harness("""
            name: fan
            \(echoTasks)
            nodes:
              - {id: a, task: t}
              - {id: b, task: t}
              - {id: c, task: t, inputs: {x: a.y}, after: [b]}
            """)
        h.behavior = { _ in .hang }
        h.step()
        #expect(Set(h.startOrder) == ["a", "b"])
        #expect(h.phase("c") == .pending)
        h.step([.attemptExited(AttemptRef(node: "a", attempt: 1), AttemptExit(exitCode: 0, outputsJSON: "{\"y\": 1}"))])
        #expect(h.phase("c") == .pending)
        h.behavior = { _ in .exit(0, outputs: "{\"y\": 2}") }
        h.step([.attemptExited(AttemptRef(node: "b", attempt: 1), AttemptExit(exitCode: 0, outputsJSON: "{\"y\": 1}"))])
        h.settle()
        #expect(h.startOrder == ["a", "b", "c"] || h.startOrder == ["b", "a", "c"])
        #expect(h.runPhase == .succeeded)
    }

    @Test func outputsOfTheWrongTypeAreAUserError() throws {
        let h = try Harness("""
            name: bad
            \(echoTasks)
            nodes:
              - {id: a, task: t}
            """)
        h.behavior = { _ in .exit(0, outputs: "{\"y\": \"nope\"}") }
        h.settle()
        #expect(h.phase("a") == .failed)
        #expect(h.node("a")?.failure?.message.contains("output 'y': expected int") == true)
        #expect(h.runPhase == .failed)
    }
}
