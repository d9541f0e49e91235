import Foundation
import SluiceCompiler
import SluiceEngine
import SluiceModel
import SluiceRuntime
import Testing

/// Every example flow that needs no person (gates) and no fictional program runs to success as pods on
/// KubeSim, with the commands really run (`--run-commands --runtime host`).
@Suite struct ExampleFlowTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples").path

    @Test(arguments: ["hello", "etl", "branching", "map-ratio", "subworkflow", "apps"])
    func exampleSucceedsOnKubernetes(_ name: String) async throws {
        let k = try await KubeFixture.start()
        defer { Task { await k.stop() } }
        let (controller, _) = try k.controller()
        let path = Self.examples + "/\(name).yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let r = FlowCompiler.compile(text, file: path)
        let flow = try #require(r.flow, "\(r.diagnostics.map(\.description))")
        // The flow's defaults, as `sluice run` fills them in.
        var inputs: [String: LiteralValue] = [:]
        for v in flow.workflow.interface.inputs { if let d = v.defaultValue { inputs[v.name] = d } }
        let values = inputs
        let id = try await onThread { try controller.submit(flow: flow, inputs: values, runID: "ex-\(name)") }
        controller.drive(id)
        let state = try await controller.ended(id)
        #expect(state.header.phase == .succeeded, "\(name): \(state.nodes.compactMapValues { $0.failure?.message })")
        #expect(!k.podCreates().isEmpty)
    }
}
