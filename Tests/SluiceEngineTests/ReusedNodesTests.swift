import SluiceModel
import Testing
@testable import SluiceEngine

/// A retried run starts with the nodes that succeeded before already final: they are not run again, their
/// outputs feed the nodes that are, and the run's counters include them.
@Suite struct ReusedNodesTests {
    static func reused(_ id: String, y: Int) -> NodeState {
        var n = NodeState(id: id, kind: "task", phase: .succeeded)
        n.outputs = ["y": .int(y)]
        n.note = "reused from old"
        return n
    }

    @Test func reusedNodesAreNotRunAndFeedTheRest() throws {
        let h = try Harness("""
            name: chain
            outputs: {out: d.y}
            \(echoTasks)
            nodes:
              - {id: a, task: t, inputs: {x: 1}}
              - {id: b, task: t}
              - {id: c, task: t, inputs: {x: a.y}, after: [b]}
              - {id: d, task: t, inputs: {x: c.y}}
            """)
        h.state.nodes["a"] = Self.reused("a", y: 7)
        h.state.nodes["b"] = Self.reused("b", y: 0)
        h.behavior = { spec in
            let x = spec.inputs["x"].flatMap { if case .int(let i) = $0 { i } else { nil } } ?? 0
            return .exit(0, outputs: "{\"y\": \(x * 10)}")
        }
        h.settle()
        #expect(h.startOrder == ["c", "d"])
        #expect(h.started.first?.command == ["work", "7"])
        #expect(h.runPhase == .succeeded)
        #expect(h.state.header.outputs == ["out": .int(700)])
        #expect(h.node("a")?.note == "reused from old")
    }

    @Test func aRunWhoseNodesAreAllReusedSucceedsWithoutStartingAnything() throws {
        let h = try Harness("""
            name: pair
            outputs: {out: b.y}
            \(echoTasks)
            nodes:
              - {id: a, task: t}
              - {id: b, task: t, inputs: {x: a.y}}
            """)
        h.state.nodes["a"] = Self.reused("a", y: 1)
        h.state.nodes["b"] = Self.reused("b", y: 2)
        h.settle()
        #expect(h.started.isEmpty)
        #expect(h.runPhase == .succeeded)
        #expect(h.state.header.outputs == ["out": .int(2)])
    }
}
