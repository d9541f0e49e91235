import Foundation
import SluiceCompiler
import SluiceModel
import Testing
@testable import SluiceEngine
@testable import SluiceRuntime

@Suite struct StateCodingTests {
    @Test func nodeStatesAndHeadersRoundTripThroughTheCompactEncoder() throws {
        var n = NodeState(id: "fit[3]", kind: "task", phase: .running, step: "Training \"quoted\"\n")
        n.inputs = ["x": .int(3), "l": .list([.float(1.5), .string("a\u{1}b"), .none]), "m": .map(["k": .bool(true)])]
        n.outputs = ["y": .float(2)]
        n.attempts = [AttemptState(number: 1, purpose: .run, phase: .failed, queuedAt: Timestamp(milliseconds: 5),
                                   startedAt: Timestamp(milliseconds: 6), exitCode: 1, failure: Failure(.user, "exited with code 1", node: "fit[3]"))]
        n.gate = GateRecord(approved: true, by: "ana", comment: "ok", at: Timestamp(milliseconds: 9), value: .duration(.seconds(30)))
        n.progress = Progress(fraction: 0.5, message: "half", metrics: ["loss": 0.25])
        n.wakeAt = Timestamp(milliseconds: 99)
        let data = StateCoding.encode(n)
        let back = try JSONDecoder().decode(NodeState.self, from: data)
        #expect(back.id == n.id && back.step == n.step && back.attempts == n.attempts && back.gate?.by == "ana")
        #expect(back.inputs?["x"] == .int(3) && back.progress == n.progress && back.wakeAt == n.wakeAt)
        var h = RunHeader(id: "r", flow: "f", inputs: ["who": .string("Ada")], createdAt: Timestamp(milliseconds: 1))
        h.scopes["sub/"] = ScopeRecord(prefix: "sub/", source: .subworkflow("inner"), inputs: [:])
        h.reverts[""] = RevertJob(queue: ["a", "b"], index: 1)
        h.signals["t"] = SignalDelivery(id: "t", value: .float(0.5), by: "ci", comment: nil, at: Timestamp(milliseconds: 3))
        let hb = try JSONDecoder().decode(RunHeader.self, from: StateCoding.encode(h))
        #expect(hb == h)
    }

    @Test func aCompiledFlowRoundTrips() throws {
        let flow = try #require(FlowCompiler.compile(contentsOf: URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/lung-cancer-detection.yaml").path).flow)
        let back = try JSONDecoder().decode(CompiledFlow.self, from: StateCoding.encode(flow))
        #expect(back == flow)
    }
}
