import SluiceModel
import Testing
@testable import SluiceEngine

@Suite struct BranchTests {
    static func flow(elseClause: String) -> String {
        """
        name: branchy
        inputs: {n: int}
        outputs: {y: check.y}
        \(echoTasks)
        nodes:
          - id: check
            if:
              - {when: "inputs.n > 10", then: {task: t, inputs: {x: 1}}}
              - {elif: "inputs.n > 5", then: {task: t, inputs: {x: 2}}}
              - \(elseClause)
          - {id: after, task: t, inputs: {x: check.y}}
        """
    }

    @Test(arguments: [(20, "check/case-0", 1), (7, "check/case-1", 2), (1, "check/else", 3)])
    func takesTheFirstTrueCaseAndSkipsTheRest(n: Int, taken: String, x: Int) throws {
        let h = try Harness(Self.flow(elseClause: "{else: {task: t, inputs: {x: 3}}}"), inputs: ["n": .int(n)])
        h.behavior = { spec in
            if case .int(let x)? = spec.inputs["x"] { return .exit(0, outputs: "{\"y\": \(x * 100)}") }
            return .exit(1)
        }
        h.settle()
        #expect(h.startOrder == [taken, "after"])
        for other in ["check/case-0", "check/case-1", "check/else"] where other != taken {
            #expect(h.phase(other) == .skipped)
        }
        #expect(h.node("check")?.outputs == ["y": .int(x * 100)])
        #expect(h.runPhase == .succeeded)
    }

    @Test func elseFailFailsTheNodeWithItsMessage() throws {
        let h = try Harness(Self.flow(elseClause: "{else: {fail: \"n is too small\"}}"), inputs: ["n": .int(1)])
        h.settle()
        #expect(h.phase("check") == .failed)
        #expect(h.node("check")?.failure?.message == "n is too small")
        #expect(h.phase("after") == .skipped)
        #expect(h.runPhase == .failed)
    }
}

@Suite struct MapTests {
    static func flow(_ extra: String, items: Int = 8) -> String {
        """
        name: mapper
        inputs: {xs: {type: list<int>, default: [\((0..<items).map(String.init).joined(separator: ", "))]}}
        outputs: {ys: m.y}
        \(echoTasks)
        nodes:
          - {id: m, map: {over: inputs.xs, as: x, task: t, inputs: {x: x}\(extra)}}
        """
    }

    @Test func respectsParallelismAndKeepsItemOrder() throws {
        let h = try Harness(Self.flow(", parallelism: 3"))
        h.behavior = { _ in .hang }
        h.settle()
        #expect(h.started.count == 3)
        for round in 0..<10 {
            guard let live = h.state.nodes.values.first(where: { $0.phase == .running && $0.id.hasPrefix("m[") }),
                  case .int(let x)? = live.inputs?["x"] else { break }
            h.step([.attemptExited(AttemptRef(node: live.id, attempt: 1), AttemptExit(exitCode: 0, outputsJSON: "{\"y\": \(x * 2)}"))])
            #expect(h.state.nodes.values.filter { $0.id.hasPrefix("m[") && $0.phase == .running }.count <= 3, "round \(round)")
        }
        for _ in 0..<10 {
            guard let live = h.state.nodes.values.first(where: { $0.phase == .running && $0.id.hasPrefix("m[") }),
                  case .int(let x)? = live.inputs?["x"] else { break }
            h.step([.attemptExited(AttemptRef(node: live.id, attempt: 1), AttemptExit(exitCode: 0, outputsJSON: "{\"y\": \(x * 2)}"))])
        }
        #expect(h.runPhase == .succeeded)
        #expect(h.state.header.outputs?["ys"] == .list((0..<8).map { .int($0 * 2) }))
    }

    @Test func ratioAllowsFailuresAndLeavesNulls() throws {
        let h = try Harness(Self.flow(", min_success_ratio: 0.75"))
        h.behavior = { spec in spec.ref.node == "m[2]" || spec.ref.node == "m[5]" ? .exit(1) : .exit(0, outputs: "{\"y\": 1}") }
        h.settle()
        #expect(h.runPhase == .succeeded)
        guard case .list(let ys)? = h.state.header.outputs?["ys"] else { Issue.record("no list"); return }
        #expect(ys[2] == .none && ys[5] == .none && ys[0] == .int(1))
    }

    @Test func failsAsSoonAsTheMinimumCannotBeReached() throws {
        let h = try Harness(Self.flow(", parallelism: 4, min_successes: 6"))
        h.behavior = { spec in ["m[0]", "m[1]", "m[2]"].contains(spec.ref.node) ? .exit(1) : .hang }
        h.settle()
        #expect(h.phase("m") == .failed)
        #expect(h.node("m")?.failure?.message.contains("needed 6 successes") == true)
        #expect(h.cancelled.map(\.node) == ["m[3]"])
        #expect(h.phase("m[7]") == .skipped)
        #expect(h.runPhase == .failed)
    }

    @Test func anEmptyListSucceedsWithEmptyOutputs() throws {
        let h = try Harness(Self.flow("", items: 0))
        h.settle()
        #expect(h.runPhase == .succeeded)
        #expect(h.state.header.outputs?["ys"] == .list([]))
    }
}
