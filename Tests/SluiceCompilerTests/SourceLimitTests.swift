import Testing

@testable import SluiceCompiler
import SluiceModel

/// Bounds on what one file may cost: aliases that expand without end, and files with a flood of errors.
@Suite("Compiler: source limits")
struct SourceLimitTests {
    static func nestedAliases(levels: Int) -> String {
        var lines = ["name: demo", "tasks: {t: {command: [echo], inputs: {x: json}}}", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for i in 1..<levels {
            lines.append("a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]")
        }
        lines.append("nodes: [{id: a, task: t, inputs: {x: *a\(levels - 1)}}]")
        return lines.joined(separator: "\n")
    }

    @Test func nestedAliasesStopWhereTheyPassTheLimit() {
        // a0..a4 stand for 123,455 values; each *a4 adds 111,111 more, so the eighth one in a5 passes 1,000,000.
        let r = Flow.compile(Self.nestedAliases(levels: 30))
        expectDiagnostic(r, .syntax, line: 8, column: 45, path: "a5[7]",
                         message: "the document expands to too many values through YAML aliases (more than 1000000",
                         "\"billion laughs\"")
    }

    @Test func aliasesThatStayNearTheDocumentsSizeAreFine() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo], inputs: {x: json}}}
            nodes:
              - {id: a, task: t, inputs: {x: &v [1, 2, 3]}}
              - {id: b, task: t, inputs: {x: *v}}
            """)
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics.map(\.description))")
    }

    @Test func diagnosticsAreCappedWithOneLineForTheRest() {
        let nodes = (0..<1_500).map { "  - {id: n\($0), task: nope}" }.joined(separator: "\n")
        let r = Flow.compile("name: demo\nnodes:\n" + nodes + "\n")
        #expect(r.diagnostics.count == DiagnosticSink.limit + 1)
        let last = r.diagnostics.last
        #expect(last?.message == "… and 500 more errors (only the first 1000 are shown)")
        #expect(last?.line == 1_003)
        #expect(last?.path == "")
        #expect(r.diagnostics.dropLast().allSatisfy { $0.message.hasPrefix("unknown task 'nope'") })
    }
}
