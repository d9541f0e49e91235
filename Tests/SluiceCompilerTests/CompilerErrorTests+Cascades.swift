import Testing

@testable import SluiceCompiler
import SluiceModel

/// One mistake gives one error: what the decoder reported and left out is not reported again by the checker.
@Suite("Compiler errors: one mistake, one error")
struct CompilerCascadeTests {
    @Test func referencesToADroppedNodeAreNotReported() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo], inputs: {x: {type: json, default: 0}}}}
            outputs: {v: nap.value}
            nodes:
              - {id: nap, gate: {approve: 1, sleep: 5s}}
              - {id: b, task: t, inputs: {x: nap.value}, after: [nap]}
              - id: c
                if: [{when: "nap.value == 1", then: {task: t, after: [nap]}}]
            """)
        expectDiagnostic(r, .missingKey, line: 5, column: 21, path: "nodes[0].gate",
                         message: "a gate needs exactly one of sleep, approve, signal (found sleep and approve)")
    }

    @Test func aWorkflowInputWithABadTypeIsNotReportedAsUnknown() {
        let r = Flow.compile("""
            name: demo
            inputs: {n: itn}
            tasks: {t: {command: [echo], inputs: {x: int}}}
            nodes:
              - {id: a, task: t, inputs: {x: inputs.n}, placement: {node: "{{inputs.n}}"}}
            """)
        expectDiagnostic(r, .invalidType, line: 2, column: 13, path: "inputs.n", message: "unknown type 'itn'")
    }

    @Test func aSubworkflowInputWithABadTypeIsNotReportedAsUnknown() {
        let r = Flow.compile("""
            name: demo
            nodes:
              - {id: a, workflow: inner, inputs: {n: 1}, cache: {version: "1", ignore: [n]}}
            workflows:
              inner:
                inputs: {n: itn}
                nodes:
                  - {id: x, gate: {sleep: 1s}, placement: {node: "{{inputs.n}}"}}
            """)
        expectDiagnostic(r, .invalidType, line: 6, column: 17, path: "workflows.inner.inputs.n", message: "unknown type 'itn'")
    }

    @Test func aTaskOutputWithABadTypeIsNotReportedAsUnknown() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo], inputs: {x: json}, outputs: {loss: {type: list<flaot>}}}}
            nodes:
              - {id: a, task: t, inputs: {x: 1}}
              - {id: b, task: t, inputs: {x: a.loss}}
            """)
        expectDiagnostic(r, .invalidType, line: 2, column: 77, path: "tasks.t.outputs.loss.type", message: "unknown type 'flaot'")
    }

    @Test func aDynamicOutputWithABadTypeIsNotReportedAsUnknown() {
        let r = Flow.compile("""
            name: demo
            tasks: {gen: {command: [echo], outputs: {flow: json}}, t: {command: [echo], inputs: {x: json}}}
            nodes:
              - {id: d, dynamic: gen, outputs: {total: nit}}
              - {id: b, task: t, inputs: {x: d.total}}
            """)
        expectDiagnostic(r, .invalidType, line: 4, column: 44, path: "nodes[0].outputs.total", message: "unknown type 'nit'")
    }

    @Test func aBindingThatFailsIsNotAlsoMissing() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo], inputs: {x: float}}}
            nodes:
              - {id: a, task: t, inputs: {x: .inf}}
            """)
        expectDiagnostic(r, .unknownReference, line: 4, column: 34, path: "nodes[0].inputs.x", message: "'.inf' is not a reference")
    }

    @Test func aMapBindingThatFailsIsNotAlsoMissing() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo], inputs: {x: float}}}
            nodes:
              - {id: a, map: {over: [1], task: t, inputs: {x: item.x.y}}}
            """)
        expectDiagnostic(r, .unknownReference, line: 4, column: 51, path: "nodes[0].map.inputs.x", message: "'item.x.y' is not a reference")
    }

    @Test func aCommandOfTheWrongShapeIsNotAlsoMissing() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: "echo hi"}}
            nodes: [{id: a, task: t}]
            """)
        expectDiagnostic(r, .wrongShape, line: 2, column: 22, path: "tasks.t.command",
                         message: "expected a list of strings (write it as a list, e.g. [sh, -c, \"...\"]) but found the text \"echo hi\"")
    }

    @Test func aRevertCommandOfTheWrongShapeIsNotAlsoMissing() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo], revert: {command: "undo it"}}}
            nodes: [{id: a, task: t}]
            """)
        expectDiagnostic(r, .wrongShape, line: 2, column: 48, path: "tasks.t.revert.command", message: "expected a list of strings")
    }

    @Test func anAppCommandOfTheWrongShapeIsNotAlsoMissing() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo]}}
            nodes: [{id: a, task: t}]
            apps: [{name: web, command: serve}]
            """)
        expectDiagnostic(r, .wrongShape, line: 4, column: 29, path: "apps[0].command", message: "expected a list of strings")
    }

    @Test func anIDOfTheWrongShapeIsNotAlsoMissing() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo]}}
            nodes: [{id: [a], task: t}]
            """)
        expectDiagnostic(r, .wrongShape, line: 3, column: 14, path: "nodes[0].id", message: "expected text but found a list")
    }

    @Test func aDuplicateNodeKeepsNoEdges() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo], inputs: {x: {type: json, default: 0}}, outputs: {y: int}}}
            nodes:
              - {id: a, task: t}
              - {id: b, task: t, inputs: {x: a.y}}
              - {id: a, task: t, inputs: {x: b.y}}
            """)
        expectDiagnostic(r, .duplicateID, line: 6, column: 10, path: "nodes[2].id", message: "duplicate node id 'a'")
    }
}
