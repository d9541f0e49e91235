import Testing

@testable import SluiceCompiler
import SluiceModel

/// Type errors: bindings, lists, optionals, maps, map items, gates, defaults and type expressions (conditions: +Conditions).
@Suite("Compiler errors: types")
struct CompilerTypeErrorTests {
    /// Workflow inputs of many types and a task that takes one of several; nodes start at line 15.
    static let base = """
        name: demo
        inputs:
          s: string
          n: int
          li: list<int>
          os: string?
          mi: map<int>
          sites: list<string>
        tasks:
          t:
            command: [echo]
            inputs: {x: int, ls: list<string>, s: string, m: map<string>}
            outputs: {y: string, f: float}
        nodes:

        """

    static func flow(_ nodes: String) -> CompileResult { Flow.compile(base + nodes) }

    // MARK: bindings

    @Test func stringReferenceBoundToAnIntInput() {
        let r = Self.flow("  - {id: a, task: t, inputs: {x: inputs.s, ls: [], s: a, m: {}}}\n")
        // `s: a` is an unknown bare name; only the mismatch on x matters here.
        expectDiagnostic(r, .typeMismatch, line: 15, column: 34, path: "nodes[0].inputs.x",
                         message: "expected int but 'inputs.s' is string", only: false)
    }

    @Test func quotedTextBoundToAnIntInput() {
        let r = Self.flow("""
              - id: a
                task: t
                inputs: {x: "12", ls: [], s: "", m: {}}

            """)
        expectDiagnostic(r, .typeMismatch, line: 17, column: 17, path: "nodes[0].inputs.x",
                         message: "expected int but found \"12\"")
    }

    @Test func floatOutputBoundToAnIntInput() {
        let r = Self.flow("""
              - {id: a, task: t, inputs: {x: 1, ls: [], s: "", m: {}}}
              - {id: b, task: t, inputs: {x: a.f, ls: [], s: "", m: {}}}

            """)
        expectDiagnostic(r, .typeMismatch, line: 16, column: 34, path: "nodes[1].inputs.x",
                         message: "expected int but 'a.f' is float")
    }

    @Test func intOutputWidensToFloat() {
        let r = Flow.compile("""
            name: demo
            tasks:
              a: {command: [echo], outputs: {n: int}}
              b: {command: [echo], inputs: {f: float, o: float?, j: json}}
            nodes:
              - {id: x, task: a}
              - {id: y, task: b, inputs: {f: x.n, o: x.n, j: x.n}}
            """)
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
    }

    // MARK: lists

    @Test func listOfIntBoundToListOfString() {
        let r = Self.flow("  - {id: a, task: t, inputs: {x: 1, ls: inputs.li, s: \"\", m: {}}}\n")
        expectDiagnostic(r, .typeMismatch, line: 15, column: 41, path: "nodes[0].inputs.ls",
                         message: "expected list<string> but 'inputs.li' is list<int>")
    }

    @Test func listElementReferenceOfTheWrongType() {
        let r = Self.flow("""
              - id: a
                task: t
                inputs:
                  x: 1
                  ls: [inputs.s, inputs.li]
                  s: ""
                  m: {}

            """)
        expectDiagnostic(r, .typeMismatch, line: 19, column: 22, path: "nodes[0].inputs.ls[1]",
                         message: "expected string but 'inputs.li' is list<int>")
    }

    @Test func literalListElementOfTheWrongType() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t: {command: [echo], inputs: {xs: list<int>}}
            nodes:
              - {id: a, task: t, inputs: {xs: [1, 2, "three"]}}
            """)
        // The literal list is checked as a whole; the path and message name the bad element.
        expectDiagnostic(r, .typeMismatch, line: 5, column: 42, path: "nodes[0].inputs.xs[2]",
                         message: "expected int but found \"three\"")
    }

    @Test func scalarBoundToAListInput() {
        let r = Self.flow("  - {id: a, task: t, inputs: {x: 1, ls: inputs.s, s: \"\", m: {}}}\n")
        expectDiagnostic(r, .typeMismatch, line: 15, column: 41, path: "nodes[0].inputs.ls",
                         message: "expected list<string> but 'inputs.s' is string")
    }

    // MARK: optionals

    @Test func optionalBoundToARequiredInput() {
        let r = Self.flow("  - {id: a, task: t, inputs: {x: 1, ls: [], s: inputs.os, m: {}}}\n")
        expectDiagnostic(r, .typeMismatch, line: 15, column: 48, path: "nodes[0].inputs.s",
                         message: "expected string but 'inputs.os' is string?")
    }

    @Test func nullBoundToARequiredInput() {
        let r = Self.flow("  - {id: a, task: t, inputs: {x: 1, ls: [], s: null, m: {}}}\n")
        // A null has no position of its own: the diagnostic points at its key.
        expectDiagnostic(r, .typeMismatch, line: 15, column: 45, path: "nodes[0].inputs.s",
                         message: "expected string but found null")
    }

    @Test func branchOutputWithoutElseIsOptional() {
        let r = Flow.compile("""
            name: demo
            inputs: {go: bool}
            tasks:
              t: {command: [echo], outputs: {y: int}}
              u: {command: [echo], inputs: {n: int}}
            nodes:
              - id: pick
                if:
                  - {when: true, then: {task: t}}
              - {id: use, task: u, inputs: {n: pick.y}}
            """)
        expectDiagnostic(r, .typeMismatch, line: 10, column: 36, path: "nodes[1].inputs.n",
                         message: "expected int but 'pick.y' is int?")
    }

    // MARK: maps

    @Test func mapOfIntBoundToMapOfString() {
        let r = Self.flow("  - {id: a, task: t, inputs: {x: 1, ls: [], s: \"\", m: inputs.mi}}\n")
        expectDiagnostic(r, .typeMismatch, line: 15, column: 55, path: "nodes[0].inputs.m",
                         message: "expected map<string> but 'inputs.mi' is map<int>")
    }

    @Test func mappingValueOfTheWrongType() {
        let r = Self.flow("""
              - id: a
                task: t
                inputs:
                  x: 1
                  ls: []
                  s: ""
                  m: {ok: inputs.s, bad: inputs.li}

            """)
        expectDiagnostic(r, .typeMismatch, line: 21, column: 30, path: "nodes[0].inputs.m.bad",
                         message: "expected string but 'inputs.li' is list<int>")
    }

    @Test func mappingBoundToAScalarInput() {
        let r = Self.flow("  - {id: a, task: t, inputs: {x: {k: inputs.n}, ls: [], s: \"\", m: {}}}\n")
        expectDiagnostic(r, .typeMismatch, line: 15, column: 34, path: "nodes[0].inputs.x",
                         message: "expected int but found a mapping")
    }

    // MARK: map nodes

    @Test func mapItemOfTypeStringBoundToAnIntInput() {
        let r = Self.flow("""
              - id: each
                map: {over: inputs.sites, as: site, task: t, inputs: {x: site, ls: [], s: site, m: {}}}

            """)
        expectDiagnostic(r, .typeMismatch, line: 16, column: 62, path: "nodes[0].map.inputs.x",
                         message: "expected int but 'site' is string")
    }

    @Test func mapOverSomethingThatIsNotAList() {
        let r = Self.flow("""
              - id: each
                map: {over: inputs.n, task: t, inputs: {x: item, ls: [], s: "", m: {}}}

            """)
        // The item's type is unknown, so `x: item` is not reported a second time.
        expectDiagnostic(r, .typeMismatch, line: 16, column: 17, path: "nodes[0].map.over",
                         message: "a map goes over a list, but this is int")
    }

    @Test func mapOverAnEmptyLiteralList() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo], inputs: {x: int}}}
            nodes:
              - id: each
                map: {over: [], task: t, inputs: {x: item}}
            """)
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics.map(\.description))")
    }

    @Test func mapNodeOutputsAreLists() {
        let r = Self.flow("""
              - id: each
                map: {over: inputs.li, task: t, inputs: {x: item, ls: [], s: "", m: {}}}
              - {id: after, task: t, inputs: {x: 1, ls: each.y, s: each.y, m: {}}}

            """)
        expectDiagnostic(r, .typeMismatch, line: 17, column: 56, path: "nodes[1].inputs.s",
                         message: "expected string but 'each.y' is list<string>")
    }

    @Test func mapWithAFailureRatioHasOptionalItems() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t: {command: [echo], inputs: {n: int}, outputs: {y: int}}
              sum: {command: [echo], inputs: {ys: list<int>}}
            nodes:
              - id: m
                map: {over: [1, 2, 3], task: t, inputs: {n: item}, min_success_ratio: 0.5}
              - {id: b, task: sum, inputs: {ys: m.y}}
            """)
        expectDiagnostic(r, .typeMismatch, line: 8, column: 37, path: "nodes[1].inputs.ys",
                         message: "expected list<int> but 'm.y' is list<int?>")
    }

    // MARK: gates

    @Test func signalValueHasTheDeclaredType() {
        let r = Self.flow("""
              - {id: pick, gate: {signal: threshold, type: float}}
              - {id: a, task: t, inputs: {x: pick.value, ls: [], s: "", m: {}}}

            """)
        expectDiagnostic(r, .typeMismatch, line: 16, column: 34, path: "nodes[1].inputs.x",
                         message: "expected int but 'pick.value' is float")
    }

    @Test func approvedValueKeepsItsType() {
        let r = Self.flow("""
              - {id: hold, gate: {approve: inputs.li}}
              - {id: a, task: t, inputs: {x: 1, ls: hold.value, s: "", m: {}}}

            """)
        expectDiagnostic(r, .typeMismatch, line: 16, column: 41, path: "nodes[1].inputs.ls",
                         message: "expected list<string> but 'hold.value' is list<int>")
    }

    // MARK: defaults

    @Test func defaultValueOfTheWrongType() {
        let r = Flow.compile("""
            name: demo
            inputs:
              epochs: {type: int, default: ten}
            tasks: {t: {command: [echo]}}
            nodes: [{id: a, task: t}]
            """)
        expectDiagnostic(r, .typeMismatch, line: 3, column: 32, path: "inputs.epochs.default",
                         message: "expected an int but found the text \"ten\"")
    }

    @Test func defaultListElementOfTheWrongType() {
        let r = Flow.compile("""
            name: demo
            inputs:
              sizes: {type: list<int>, default: [1, 2, x]}
            tasks: {t: {command: [echo]}}
            nodes: [{id: a, task: t}]
            """)
        expectDiagnostic(r, .typeMismatch, line: 3, column: 44, path: "inputs.sizes.default[2]",
                         message: "expected an int but found the text \"x\"")
    }

    // MARK: type expressions

    @Test func unclosedListType() {
        let r = Flow.compile("""
            name: demo
            inputs:
              xs: list<int
            tasks: {t: {command: [echo]}}
            nodes: [{id: a, task: t}]
            """)
        // The column points just past the text, where '>' is missing.
        expectDiagnostic(r, .invalidType, line: 3, column: 15, path: "inputs.xs",
                         message: "invalid type \"list<int\": expected '>' at the end")
    }

    @Test func unclosedListTypeInQuotes() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t: {command: [echo], inputs: {xs: "list<int"}}
            nodes: [{id: a, task: t}]
            """)
        expectDiagnostic(r, .invalidType, line: 3, column: 46, path: "tasks.t.inputs.xs",
                         message: "expected '>' at the end")
    }

    @Test func unknownTypeName() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t:
                command: [echo]
                outputs: {loss: list<flaot>}
            nodes: [{id: a, task: t}]
            """)
        expectDiagnostic(r, .invalidType, line: 5, column: 26, path: "tasks.t.outputs.loss",
                         message: "unknown type 'flaot'")
    }

    @Test func doubleOptionalMarker() {
        let r = Flow.compile("""
            name: demo
            inputs:
              x: int??
            tasks: {t: {command: [echo]}}
            nodes: [{id: a, task: t}]
            """)
        expectDiagnostic(r, .invalidType, line: 3, column: 10, path: "inputs.x", message: "'?' appears twice")
    }

    @Test func enumWithARepeatedCase() {
        let r = Flow.compile("""
            name: demo
            inputs:
              mode: enum(fast|slow|fast)
            tasks: {t: {command: [echo]}}
            nodes: [{id: a, task: t}]
            """)
        expectDiagnostic(r, .invalidType, line: 3, column: 24, path: "inputs.mode", message: "enum case 'fast' appears twice")
    }

    @Test func signalGateWithABadType() {
        let r = Flow.compile("""
            name: demo
            nodes:
              - {id: pick, gate: {signal: go, type: map<>}}
            """)
        expectDiagnostic(r, .invalidType, line: 3, column: 45, path: "nodes[0].gate.type",
                         message: "invalid type \"map<>\": unexpected '>'")
    }
}
