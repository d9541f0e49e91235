import Testing

@testable import SluiceCompiler
import SluiceModel

/// Type checks of branch conditions.
@Suite("Compiler errors: condition types")
struct CompilerConditionTypeTests {
    static let base = """
        name: demo
        inputs:
          s: string
          n: int
          ok: bool
          maybe: int?
          mode: enum(fast|slow)
        tasks:
          t: {command: [echo], outputs: {y: string}}
        nodes:
          - id: check
            if:

        """

    @Test func comparingAStringInputWithAnIntInput() {
        let r = Flow.compile(Self.base + "      - {when: \"inputs.s == inputs.n\", then: {task: t}}\n")
        expectDiagnostic(r, .typeMismatch, line: 13, column: 16, path: "nodes[0].if[0].when",
                         message: "'inputs.s' (string) and 'inputs.n' (int) cannot be compared with '=='")
    }

    @Test func orderingAStringInputAgainstAnIntInput() {
        let r = Flow.compile(Self.base + "      - {when: \"inputs.n < inputs.s\", then: {task: t}}\n")
        expectDiagnostic(r, .typeMismatch, line: 13, column: 16, path: "nodes[0].if[0].when",
                         message: "cannot be ordered with '<'")
    }

    @Test func comparingAStringInputWithAnIntLiteral() {
        let r = Flow.compile(Self.base + "      - {when: \"inputs.s == 3\", then: {task: t}}\n")
        expectDiagnostic(r, .typeMismatch, line: 13, column: 16, path: "nodes[0].if[0].when",
                         message: "'inputs.s' (string)", "cannot be compared with '=='")
    }

    @Test func orderingAStringInputAgainstAnIntLiteral() {
        let r = Flow.compile(Self.base + "      - {when: \"inputs.s > 3\", then: {task: t}}\n")
        expectDiagnostic(r, .typeMismatch, line: 13, column: 16, path: "nodes[0].if[0].when", message: "cannot be ordered with '>'")
    }

    @Test func bareIntIsNotACondition() {
        let r = Flow.compile(Self.base + "      - {when: inputs.n, then: {task: t}}\n")
        expectDiagnostic(r, .typeMismatch, line: 13, column: 16, path: "nodes[0].if[0].when",
                         message: "'inputs.n' is int, but a condition needs a bool")
    }

    @Test func bareNodeOutputStringIsNotACondition() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t: {command: [echo], outputs: {y: string}}
            nodes:
              - {id: a, task: t}
              - id: check
                if:
                  - {when: "a.y and true", then: {task: t}}
            """)
        expectDiagnostic(r, .typeMismatch, line: 8, column: 16, path: "nodes[1].if[0].when", message: "'a.y' is string")
    }

    @Test func boolInputIsACondition() {
        let r = Flow.compile(Self.base + "      - {when: \"inputs.ok and inputs.n > 2\", then: {task: t}}\n")
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        #expect(r.flow?.workflow.node("check/case-0") != nil)
    }

    @Test func conditionReferencingAnUnknownNode() {
        let r = Flow.compile(Self.base + "      - {when: \"nope.y == 'x'\", then: {task: t}}\n")
        expectDiagnostic(r, .unknownReference, line: 13, column: 16, path: "nodes[0].if[0].when",
                         message: "'nope.y' refers to node 'nope', which does not exist")
    }

    // MARK: literals in conditions

    @Test func comparingANonOptionalWithNull() {
        let r = Flow.compile(Self.base + "      - {when: \"inputs.n == null\", then: {task: t}}\n")
        expectDiagnostic(r, .typeMismatch, line: 13, column: 16, path: "nodes[0].if[0].when",
                         message: "'inputs.n' (int) is never null; only an optional input or output (int?) can be compared with null")
    }

    @Test func comparingAnOptionalWithNullIsAllowed() {
        let r = Flow.compile(Self.base + "      - {when: \"inputs.maybe != null and inputs.maybe == 3\", then: {task: t}}\n")
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics.map(\.description))")
    }

    @Test func comparingAnEnumWithALiteralThatIsNotACase() {
        let r = Flow.compile(Self.base + "      - {when: \"inputs.mode == 'medium'\", then: {task: t}}\n")
        expectDiagnostic(r, .typeMismatch, line: 13, column: 16, path: "nodes[0].if[0].when",
                         message: "'inputs.mode' (enum(fast|slow)) is never 'medium'; its cases are fast, slow")
    }

    @Test func comparingAnEnumWithOneOfItsCasesIsAllowed() {
        let r = Flow.compile(Self.base + "      - {when: \"'slow' != inputs.mode and inputs.s == 'x' and inputs.n >= 2.5\", then: {task: t}}\n")
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics.map(\.description))")
    }

    @Test func anIntLiteralOnTheLeftDoesNotStandForAString() {
        let r = Flow.compile(Self.base + "      - {when: \"3 != inputs.s\", then: {task: t}}\n")
        expectDiagnostic(r, .typeMismatch, line: 13, column: 16, path: "nodes[0].if[0].when",
                         message: "'3' (int) and 'inputs.s' (string) cannot be compared with '!='")
    }

    @Test func failureFieldsInABranchRunOnFailure() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo], inputs: {why: string}}}
            nodes: [{id: a, task: t, inputs: {why: ""}}]
            on_failure:
              node:
                if:
                  - {when: "error.kind == 'timeout'", then: {task: t, inputs: {why: error.message}}}
                  - {else: {task: t, inputs: {why: error.node}}}
            """)
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics.map(\.description))")
    }

    @Test func failureFieldsInABranchOutsideTheFailureNode() {
        let r = Flow.compile(Self.base + "      - {when: \"error.kind == 'timeout'\", then: {task: t}}\n")
        expectDiagnostic(r, .unknownReference, line: 13, column: 16, path: "nodes[0].if[0].when",
                         message: "'error.kind' is only available to the on_failure node")
    }
}
