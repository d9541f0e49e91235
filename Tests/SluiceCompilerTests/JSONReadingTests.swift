import Testing

@testable import SluiceCompiler
import SluiceModel

/// How a flow is recognised as JSON, and which JSON strings are references.
@Suite("Compiler: JSON flows")
struct JSONReadingTests {
    static let flow = """
        {
          "name": "demo",
          "tasks": {"t": {"command": ["echo"], "inputs": {"file": "string"}, "outputs": {"out": "string"}}},
          "nodes": [
            {"id": "b", "task": "t", "inputs": {"file": "a.out"}},
            {"id": "a", "task": "t", "inputs": {"file": "data.csv"}}
          ]
        }
        """

    @Test func aStringIsAReferenceOnlyWhenItNamesANodeOfTheWorkflow() throws {
        let r = FlowCompiler.compile(Self.flow, file: "flow.json")
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics.map(\.description))")
        let w = try #require(r.flow?.workflow)
        #expect(w.node("a")?.inputs.first?.binding == .literal(.string("data.csv")))
        #expect(w.node("b")?.inputs.first?.binding == .reference(.output(node: "a", name: "out")))
        #expect(w.node("b")?.upstream == ["a"])
    }

    @Test func textWithoutAFileNameIsJSONWhenItParsesAsJSON() {
        #expect(FlowCompiler.isJSON(Self.flow, file: ""))
        #expect(FlowCompiler.isJSON(Self.flow, file: "generated flow"))
        #expect(!FlowCompiler.isJSON("{name: demo, nodes: []}", file: ""))
        #expect(!FlowCompiler.isJSON("name: demo", file: ""))
    }

    @Test func theExtensionDecidesWhenThereIsOne() {
        #expect(FlowCompiler.isJSON("name: demo", file: "dir/flow.JSON"))
        #expect(!FlowCompiler.isJSON(Self.flow, file: "flow.yaml"))
        #expect(!FlowCompiler.isJSON(Self.flow, file: "/tmp/x.json.d/flow.yml"))
    }

    @Test func aJSONStringNamingAnUnknownNodeIsText() {
        let r = FlowCompiler.compile("""
            {"name": "demo", "tasks": {"t": {"command": ["echo"], "inputs": {"n": "int"}}},
             "nodes": [{"id": "a", "task": "t", "inputs": {"n": "model.pt"}}]}
            """, file: "flow.json")
        expectDiagnostic(r, .typeMismatch, line: 2, column: 53, path: "nodes[0].inputs.n",
                         message: "expected int but found \"model.pt\"", file: "flow.json")
    }
}
