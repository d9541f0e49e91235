import Foundation
import SluiceCompiler
import SluiceEngine
import SluiceKube
import SluiceModel
import Testing
@testable import SluiceRuntime

/// Builds pods from small flows and compares JSON documents field by field.
enum Pods {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let settings = KubePodSettings(namespace: "batch", storeID: "s1", flowName: "demo")

    static func flow(_ yaml: String, file: String = "demo.yaml") throws -> CompiledFlow {
        let r = FlowCompiler.compile(yaml, file: file)
        return try #require(r.flow, "\(r.diagnostics)")
    }

    /// The spec the engine would give for the first attempt of node `node` of a one-task flow.
    static func spec(task yaml: String, node: String = "{id: n, task: t}", inputs: [String: LiteralValue] = [:],
                     attempt: Int = 1, runID: String = "r1") throws -> AttemptSpec {
        let f = try flow("name: demo\ntasks:\n  t:\n" + yaml + "\nnodes:\n  - " + node + "\n")
        let n = try #require(f.workflow.nodes.first)
        return AttemptSpec.preview(runID: runID, ref: AttemptRef(node: n.node.id, attempt: attempt), task: f.tasks[0], node: n.node, inputs: inputs)
    }

    static func plan(task yaml: String, node: String = "{id: n, task: t}", environment: [String: String] = [:],
                     settings: KubePodSettings = settings) throws -> PodPlan {
        try PodPlan(try spec(task: yaml, node: node), environment: environment, settings: settings)
    }

    static func container(_ plan: PodPlan, _ index: Int = 0) -> JSONValue? {
        plan.pod["spec"]?["containers"]?.arrayValue?[index]
    }

    static func env(_ plan: PodPlan, _ index: Int = 0) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for e in container(plan, index)?["env"]?.arrayValue ?? [] { out[e["name"]?.stringValue ?? ""] = e }
        return out
    }

    /// Every difference between two documents, each as `path: expected X, found Y`.
    static func differences(_ expected: JSONValue?, _ actual: JSONValue?, path: String = "") -> [String] {
        switch (expected, actual) {
        case (.object(let e)?, .object(let a)?):
            let keys = e.keys + a.keys.filter { e[$0] == nil }
            return keys.flatMap { differences(e[$0], a[$0], path: path.isEmpty ? $0 : "\(path).\($0)") }
        case (.array(let e)?, .array(let a)?) where e.count == a.count:
            return e.indices.flatMap { differences(e[$0], a[$0], path: "\(path)[\($0)]") }
        default:
            if expected == actual { return [] }
            return ["\(path): expected \(expected?.jsonText ?? "nothing"), found \(actual?.jsonText ?? "nothing")"]
        }
    }

    /// The shipped example flows by file name.
    /// Every example the Kubernetes backend takes: `deploy.yaml` deploys an app, which only `sluice serve` on the
    /// local backend does (the Kubernetes backend refuses it at submit; DeployStepCompileTests checks that).
    static var examples: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("examples").path)) ?? [])
            .filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".json")) && $0 != "deploy.yaml" }.sorted()
    }

    static func example(_ name: String) throws -> CompiledFlow {
        let r = FlowCompiler.compile(contentsOf: root.appendingPathComponent("examples/\(name)").path)
        return try #require(r.flow, "\(r.diagnostics)")
    }

    /// The pods an example renders to with its default inputs.
    static func preview(_ name: String) throws -> PodPreview {
        let f = try example(name)
        var inputs: [String: LiteralValue] = [:]
        try FlowInputs.fillDefaults(&inputs, interface: f.workflow.interface)
        return try PodPreview(f, inputs: inputs, settings: KubePodSettings(namespace: "sluice"), runID: "r1")
    }
}
