import Foundation
import Testing

@testable import SluiceCompiler
import SluiceModel

/// Flows that must compile: the shipped examples, the design's lung-cancer flow, its JSON twin, and `steps:`.
@Suite("Compiler: valid flows")
struct CompilerExampleTests {
    static let exampleNames = Flow.exampleFiles.map(\.lastPathComponent)

    @Test func examplesFolderIsFound() {
        #expect(Self.exampleNames.contains("hello.yaml"))
        #expect(Self.exampleNames.contains("lung-cancer-detection.yaml"))
    }

    @Test(arguments: exampleNames)
    func exampleCompiles(_ name: String) throws {
        let path = Flow.examplesDirectory.appendingPathComponent(name).path
        let r = FlowCompiler.compile(contentsOf: path)
        #expect(r.diagnostics.isEmpty, "\(name):\n\(r.diagnostics.map(\.description).joined(separator: "\n"))")
        #expect(r.flow != nil)
        #expect(r.isValid)
        // The same text compiled from memory gives the same flow.
        #expect(FlowCompiler.compile(try Flow.exampleText(name), file: path).flow == r.flow)
    }

    @Test func missingFileIsReported() {
        let r = FlowCompiler.compile(contentsOf: "/nonexistent/flow.yaml")
        #expect(r.flow == nil)
        #expect(r.diagnostics.count == 1)
        #expect(r.diagnostics.first?.message == "no such file")
        #expect(r.diagnostics.first?.file == "/nonexistent/flow.yaml")
    }

    /// A folder, a file without read permission and bytes that are not UTF-8 each get their own message.
    @Test func unreadableFilesSayWhy() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-read-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name: a".write(to: dir.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try "x".write(to: dir.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        #expect(FlowCompiler.compile(contentsOf: dir.path).diagnostics.first?.message
                == "this is a folder, not a flow file; name a file in it, e.g. \(dir.path)/a.yaml")
        let binary = dir.appendingPathComponent("bad.yaml")
        try Data([0x6E, 0x61, 0x6D, 0x65, 0x3A, 0x20, 0xC3, 0x28]).write(to: binary)
        #expect(FlowCompiler.compile(contentsOf: binary.path).diagnostics.first?.message
                == "the file is not UTF-8 text (byte 6 is not valid UTF-8)")
        if getuid() != 0 {
            let locked = dir.appendingPathComponent("locked.yaml")
            try "name: a".write(to: locked, atomically: true, encoding: .utf8)
            chmod(locked.path, 0)
            #expect(FlowCompiler.compile(contentsOf: locked.path).diagnostics.first?.message == "cannot read the file: Permission denied")
        }
    }

    // MARK: the lung-cancer-detection example

    static func lung() throws -> CompiledFlow {
        let r = FlowCompiler.compile(try Flow.exampleText("lung-cancer-detection.yaml"), file: "lung-cancer-detection.yaml")
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        return try #require(r.flow)
    }

    @Test func lungGraphHasFourNodesInStepOrder() throws {
        let w = try Self.lung().workflow
        #expect(w.name == "lung-cancer-detection")
        #expect(w.nodes.map(\.id) == ["prep", "fit", "review", "package"])
        #expect(w.nodes.map(\.kind) == ["map", "map", "gate", "task"])
        #expect(w.nodes.map(\.step) == ["Data Preprocessing", "Federated Training", "Model Validation", "Model Packaging"])
        #expect(w.steps.map(\.name) == ["Data Preprocessing", "Federated Training", "Model Validation", "Model Packaging"])
        #expect(w.steps.map(\.nodes) == [["prep"], ["fit"], ["review"], ["package"]])
        #expect(w.nodes.map(\.depth) == [0, 1, 2, 3])
        #expect(w.nodes.map(\.upstream) == [[], ["prep"], ["fit"], ["review"]])
        #expect(w.nodes.map(\.downstream) == [["fit"], ["review"], ["package"], []])
    }

    @Test func lungTypesFlowThroughTheMapAndTheGate() throws {
        let w = try Self.lung().workflow
        #expect(w.node("fit")?.outputs == [Variable(name: "loss", type: .list(.float))])
        #expect(w.node("prep")?.outputs == [Variable(name: "images", type: .list(.int))])
        #expect(w.node("review")?.outputs == [Variable(name: "value", type: .list(.float))])
        #expect(w.node("package")?.inputs == [
            TypedBinding(name: "losses", type: .list(.float), binding: .reference(.output(node: "review", name: "value"))),
        ])
        let fitInputs = w.node("fit")?.inputs ?? []
        #expect(fitInputs.map(\.name) == ["site", "epochs"])
        #expect(fitInputs.map(\.type) == [.string, .int])
        #expect(w.interface.outputs == [Variable(name: "model", type: .string)])
        #expect(w.interface.inputs.map(\.name) == ["sites", "epochs"])
    }

    @Test func lungTasksKeepTheirSettings() throws {
        let flow = try Self.lung()
        #expect(flow.tasks.map(\.name) == ["aggregate", "normalize", "train"])
        #expect(flow.task("train")?.resources.limits.gpu == (try? Quantity(parsing: "1")))
        #expect(flow.task("train")?.retries?.attempts == 3)
        #expect(w(flow).node("prep")?.node.placement?.node == "{{site}}-edge")
        #expect(w(flow).node("review")?.node.timeout?.runtime == (try? DurationValue(parsing: "24h")))
    }

    private func w(_ f: CompiledFlow) -> CompiledWorkflow { f.workflow }

    // MARK: JSON

    static let lungJSON = """
        {
          "name": "lung-cancer-detection",
          "inputs": {"sites": {"type": "list<string>", "default": ["hospital-a", "hospital-b"]}, "epochs": {"type": "int", "default": 100}},
          "outputs": {"model": "package.uri"},
          "tasks": {
            "normalize": {"image": "registry.example.com/prep:1", "inputs": {"site": "string"}, "outputs": {"images": "int"}, "command": ["prep", "--site", "{{inputs.site}}", "--size", "512"], "resources": {"cpu": "2", "memory": "4Gi"}},
            "train": {"image": "registry.example.com/train:1", "inputs": {"site": "string", "epochs": "int"}, "outputs": {"loss": "float"}, "command": ["train", "--site", "{{inputs.site}}", "--epochs", "{{inputs.epochs}}"], "resources": {"cpu": "4", "memory": "16Gi", "gpu": 1}, "retries": {"attempts": 3}},
            "aggregate": {"image": "registry.example.com/fedavg:1", "inputs": {"losses": "list<float>"}, "outputs": {"uri": "string"}, "command": ["fedavg"]}
          },
          "steps": [
            {"name": "Data Preprocessing", "nodes": [{"id": "prep", "map": {"over": "inputs.sites", "as": "site", "task": "normalize", "inputs": {"site": "site"}}, "placement": {"node": "{{site}}-edge"}}]},
            {"name": "Federated Training", "nodes": [{"id": "fit", "map": {"over": "inputs.sites", "as": "site", "task": "train", "inputs": {"site": "site", "epochs": "inputs.epochs"}}, "placement": {"node": "{{site}}-edge"}}]},
            {"name": "Model Validation", "nodes": [{"id": "review", "gate": {"approve": "fit.loss"}, "timeout": "24h"}]},
            {"name": "Model Packaging", "nodes": [{"id": "package", "task": "aggregate", "inputs": {"losses": "review.value"}}]}
          ]
        }
        """

    @Test func jsonFlowCompilesIdenticallyToYAML() throws {
        let json = FlowCompiler.compile(Self.lungJSON, file: "lung.json")
        #expect(json.diagnostics.isEmpty, "\(json.diagnostics.map(\.description))")
        let fromJSON = try #require(json.flow)
        let fromYAML = try Self.lung()
        #expect(fromJSON == fromYAML)
        #expect(try Rendering.json(fromJSON) == Rendering.json(fromYAML))
    }

    @Test func jsonErrorsNameLineAndColumn() {
        let r = FlowCompiler.compile("""
            {
              "name": "demo",
              "tasks": {"t": {"command": ["echo"], "inputs": {"n": "int"}}},
              "nodes": [{"id": "a", "task": "t", "inputs": {"n": "inputs.count"}}]
            }
            """, file: "test.json")
        expectDiagnostic(r, .unknownReference, line: 4, column: 54, path: "nodes[0].inputs.n",
                         message: "unknown workflow input 'inputs.count'", file: "test.json")
    }

    @Test func jsonTextThatIsNotAReferenceStaysText() {
        let r = FlowCompiler.compile("""
            {
              "name": "demo",
              "tasks": {"t": {"command": ["echo"], "inputs": {"who": "string", "n": "int"}}},
              "nodes": [{"id": "a", "task": "t", "inputs": {"who": "hello world", "n": 3}}]
            }
            """)
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        #expect(r.flow?.workflow.node("a")?.inputs.first?.binding == .literal(.string("hello world")))
    }

    @Test func yamlInFlowStyleKeepsQuotedTextLiteral() {
        let r = Flow.compile("""
            {name: demo, tasks: {t: {command: [echo], inputs: {file: string}}},
             nodes: [{id: a, task: t, inputs: {file: "data.csv"}}]}
            """)
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics.map(\.description))")
        #expect(r.flow?.workflow.node("a")?.inputs.first?.binding == .literal(.string("data.csv")))
    }

    // MARK: steps

    @Test func stepsAddEdgesFromEveryNodeOfAStepToEveryNodeOfTheNext() throws {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo]}}
            steps:
              - name: one
                nodes:
                  - {id: a, task: t}
                  - {id: b, task: t}
              - {name: two, id: c, task: t}
              - name: three
                nodes:
                  - {id: d, task: t}
                  - {id: e, task: t}
              - nodes:
                  - {id: f, task: t}
            """)
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        let w = try #require(r.flow?.workflow)
        #expect(w.nodes.map(\.id) == ["a", "b", "c", "d", "e", "f"])
        #expect(w.nodes.map(\.upstream) == [[], [], ["a", "b"], ["c"], ["c"], ["d", "e"]])
        #expect(w.nodes.map(\.downstream) == [["c"], ["c"], ["d", "e"], ["f"], ["f"], []])
        #expect(w.nodes.map(\.depth) == [0, 0, 1, 2, 2, 3])
        #expect(w.nodes.map(\.step) == ["one", "one", "two", "three", "three", "step 4"])
        #expect(w.steps == [Step(name: "one", nodes: ["a", "b"]), Step(name: "two", nodes: ["c"]),
                            Step(name: "three", nodes: ["d", "e"]), Step(name: "step 4", nodes: ["f"])])
    }

    @Test func stepsKeepDataEdgesAndAfterEdges() throws {
        let r = Flow.compile("""
            name: demo
            tasks:
              t: {command: [echo], inputs: {x: {type: int, default: 0}}, outputs: {y: int}}
            steps:
              - name: one
                nodes:
                  - {id: a, task: t}
                  - {id: b, task: t, inputs: {x: a.y}}
              - name: two
                nodes:
                  - {id: c, task: t, inputs: {x: a.y}}
            """)
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        let w = try #require(r.flow?.workflow)
        #expect(w.nodes.map(\.id) == ["a", "b", "c"])
        #expect(w.nodes.map(\.upstream) == [[], ["a"], ["a", "b"]])
        #expect(w.nodes.map(\.depth) == [0, 1, 2])
    }

    @Test func nodesAndStepsTogetherAreRefused() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo]}}
            nodes: [{id: a, task: t}]
            steps: [{name: one, id: b, task: t}]
            """)
        expectDiagnostic(r, .invalidValue, line: 4, column: 8, path: "steps", message: "give either 'nodes' or 'steps', not both")
    }

    // MARK: ordering

    @Test func independentNodesKeepFileOrder() throws {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo], inputs: {x: {type: int, default: 0}}, outputs: {y: int}}}
            nodes:
              - {id: late, task: t, inputs: {x: early.y}}
              - {id: z, task: t}
              - {id: early, task: t}
              - {id: m, task: t}
            """)
        let w = try #require(r.flow?.workflow)
        #expect(w.nodes.map(\.id) == ["z", "early", "late", "m"])
        #expect(w.nodes.map(\.depth) == [0, 0, 1, 0])
    }
}
