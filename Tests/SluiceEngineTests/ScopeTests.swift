import SluiceCompiler
import SluiceModel
import Testing
@testable import SluiceEngine

@Suite struct SubworkflowTests {
    static let flow = """
        name: parent
        outputs: {z: sub.out}
        \(echoTasks)
        workflows:
          inner:
            inputs: {x: int}
            outputs: {out: b.y}
            nodes:
              - {id: a, task: t, inputs: {x: inputs.x}}
              - {id: b, task: t, inputs: {x: a.y}}
        nodes:
          - {id: sub, workflow: inner, inputs: {x: 2}, retries: {attempts: 2}}
        """

    @Test func runsInlineUnderItsOwnNamespace() throws {
        let h = try Harness(Self.flow)
        h.behavior = { spec in
            guard case .int(let x)? = spec.inputs["x"] else { return .exit(1) }
            return .exit(0, outputs: "{\"y\": \(x + 1)}")
        }
        h.settle()
        #expect(h.startOrder == ["sub/a", "sub/b"])
        #expect(h.runPhase == .succeeded)
        #expect(h.state.header.outputs == ["z": .int(4)])
    }

    @Test func retriesTheWholeSubflowAfterRevertingIt() throws {
        let h = try Harness(Self.flow)
        var bTries = 0
        h.behavior = { spec in
            if spec.ref.purpose == .revert { return .exit(0) }
            if spec.ref.node == "sub/b" { bTries += 1; if bTries == 1 { return .exit(1) } }
            return .exit(0, outputs: "{\"y\": 1}")
        }
        h.settle()
        #expect(h.startOrder == ["sub/a", "sub/b", "sub/a", "sub/b"])
        #expect(h.revertOrder == ["sub/b", "sub/a"])
        #expect(h.node("sub")?.scopeTry == 2)
        #expect(h.runPhase == .succeeded)
    }
}

@Suite struct DynamicTests {
    static let environment = EngineEnvironment { text in
        let r = FlowCompiler.compile(text, file: "generated")
        if let f = r.flow { return .success(f) }
        return .failure(FlowProblems(r.diagnostics.map(\.description)))
    }

    static let flow = """
        name: dyn
        outputs: {total: d.total}
        tasks:
          gen:
            command: [gen]
            inputs: {n: int}
            outputs: {flow: json}
        nodes:
          - {id: d, dynamic: gen, inputs: {n: 3}, outputs: {total: int}}
        """

    @Test func runsTheGeneratedFlowAsAChildGraph() throws {
        let h = try Harness(Self.flow, environment: Self.environment)
        let generated = #"{"name": "child", "inputs": {"n": "int"}, "outputs": {"total": "s.y"}, "tasks": {"t": {"command": ["w"], "inputs": {"x": "int"}, "outputs": {"y": "int"}}}, "nodes": [{"id": "s", "task": "t", "inputs": {"x": "inputs.n"}}]}"#
        h.behavior = { spec in
            if spec.ref.node == "d" { return .exit(0, outputs: "{\"flow\": \(generated)}") }
            return .exit(0, outputs: "{\"y\": 30}")
        }
        h.settle()
        #expect(h.startOrder == ["d", "d/s"])
        #expect(h.started.last?.inputs == ["x": .int(3)])
        #expect(h.runPhase == .succeeded)
        #expect(h.state.header.outputs == ["total": .int(30)])
    }

    @Test func compileErrorsFailTheNodeWithTheCompilersMessages() throws {
        let h = try Harness(Self.flow, environment: Self.environment)
        h.behavior = { _ in .exit(0, outputs: #"{"flow": {"name": "child", "nodes": [{"id": "s", "task": "missing"}]}}"#) }
        h.settle()
        #expect(h.phase("d") == .failed)
        #expect(h.node("d")?.failure?.message.contains("unknown task 'missing'") == true)
    }
}
