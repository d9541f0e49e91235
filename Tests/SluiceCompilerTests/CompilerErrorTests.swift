import Testing

@testable import SluiceCompiler
import SluiceModel

/// One test per error kind: syntax, unknown keys, unresolved references, and several errors at once.
/// The other kinds are in CompilerErrorTests+Types, +Conditions, +Graph, +Values and +Settings.
@Suite("Compiler errors: syntax, keys, references")
struct CompilerErrorTests {
    // MARK: YAML syntax

    @Test func yamlSyntaxErrorPointsAtTheBadIndentation() {
        let r = Flow.compile("""
            name: demo
            nodes:
              - id: a
               task: t
            """)
        expectDiagnostic(r, .syntax, line: 4, column: 4, path: "", message: "YAML syntax error: did not find expected '-' indicator")
    }

    @Test func yamlSyntaxErrorInAnUnclosedFlowList() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo]}}
            nodes: [{id: a, task: t}
            """)
        // libyaml notices at the end of the text (one line past the last, as it ends the stream with a line break);
        // the message names the line where the list began.
        expectDiagnostic(r, .syntax, line: 4, column: 1, path: "",
                         message: "YAML syntax error: did not find expected ',' or ']'", "(while parsing a flow sequence at line 3)")
    }

    @Test func yamlTabIndentationIsASyntaxError() {
        let r = Flow.compile("name: demo\ntasks: {t: {command: [echo]}}\nnodes:\n  - {id: a, task: t}\n\t- {id: b, task: t}\n")
        expectDiagnostic(r, .syntax, line: 5, column: 1, path: "", message: "found character that cannot start any token")
    }

    @Test func emptyFileIsReported() {
        expectDiagnostic(Flow.compile(""), .syntax, line: 1, column: 1, path: "", message: "the file is empty")
        expectDiagnostic(Flow.compile("# only a comment\n"), .syntax, line: 1, column: 1, path: "", message: "the file is empty")
    }

    @Test func topLevelListIsTheWrongShape() {
        let r = Flow.compile("- a\n- b\n")
        expectDiagnostic(r, .wrongShape, line: 1, column: 1, path: "", message: "expected a mapping (a flow file) but found a list")
    }

    @Test func undefinedAliasIsASyntaxError() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo]}}
            nodes:
              - {id: a, task: t, after: *missing}
            """)
        expectDiagnostic(r, .syntax, line: 4, column: 29, path: "nodes[0].after", message: "unknown YAML alias '*missing'")
    }

    // MARK: duplicate keys

    @Test func duplicateYAMLKeyIsReported() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t: {command: [echo]}
            nodes:
              - id: a
                task: t
                id: b
            """)
        // The composer finds it while reading; the path is the mapping's (the key is the one at the location).
        expectDiagnostic(r, .syntax, line: 7, column: 5, path: "nodes[0]", message: "duplicate key 'id' in one mapping (first at line 5)")
    }

    @Test func duplicateTopLevelKeyIsReported() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo]}}
            nodes: [{id: a, task: t}]
            name: again
            """)
        let d = expectDiagnostic(r, .syntax, line: 4, column: 1, path: "", message: "duplicate key 'name'", "(first at line 1)")
        #expect(d?.message.contains("each key may appear once") == true)
    }

    // MARK: unknown keys

    @Test func misspelledTaskKeySuggestsTheRightOne() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t:
                imgae: python:3.12
                command: [echo]
            nodes:
              - {id: a, task: t}
            """)
        expectDiagnostic(r, .unknownKey, line: 4, column: 5, path: "tasks.t.imgae",
                         message: "unknown key 'imgae' in a task definition", "did you mean 'image'?")
    }

    @Test func swappedLettersInANodeKeySuggestTheRightOne() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t: {command: [echo], inputs: {x: int}}
            nodes:
              - {id: a, task: t, ipnuts: {x: 1}}
            """)
        // One mistake, one error: the inputs the misspelled key held are not reported missing too.
        let d = expectDiagnostic(r, .unknownKey, line: 5, column: 22, path: "nodes[0].ipnuts",
                                 message: "unknown key 'ipnuts' in a node", "did you mean 'inputs'?", only: false)
        #expect(d != nil)
        #expect(r.diagnostics.map(\.code) == [.unknownKey])
    }

    @Test func misspelledTopLevelKeySuggestsNodes() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo]}}
            node:
              - {id: a, task: t}
            """)
        #expect(r.diagnostics.count == 2)
        expectDiagnostic(r, .missingKey, line: 1, column: 1, path: "", message: "missing required key 'nodes'", only: false)
        expectDiagnostic(r, .unknownKey, line: 3, column: 1, path: "node",
                         message: "unknown key 'node' in a flow file", "did you mean 'nodes'?", only: false)
    }

    @Test func unknownKeyFarFromAnyListsTheKnownOnes() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t:
                command: [echo]
                colour: blue
            nodes:
              - {id: a, task: t}
            """)
        expectDiagnostic(r, .unknownKey, line: 5, column: 5, path: "tasks.t.colour",
                         message: "unknown key 'colour' in a task definition; expected one of description, image, command")
    }

    // MARK: unknown references

    static let base = """
        name: demo
        inputs:
          epochs: int
        tasks:
          t:
            command: [echo]
            inputs: {x: int}
            outputs: {loss: int}
        nodes:
          - {id: prep, task: t, inputs: {x: 1}}

        """

    @Test func unknownTaskSuggestsTheClosest() {
        let r = Flow.compile("""
            name: demo
            tasks: {train: {command: [echo]}}
            nodes:
              - {id: a, task: trian}
            """)
        expectDiagnostic(r, .unknownReference, line: 4, column: 19, path: "nodes[0].task",
                         message: "unknown task 'trian'", "did you mean 'train'?")
    }

    @Test func oneLetterNamesGetNoSuggestion() {
        let r = Flow.compile(Self.base + "  - {id: b, task: tt, inputs: {x: 1}}\n")
        expectDiagnostic(r, .unknownReference, line: 11, column: 19, path: "nodes[1].task", message: "unknown task 'tt'; defined: t")
        #expect(r.diagnostics.first?.message.contains("did you mean") == false)
    }

    @Test func aShortKeyOfTheFormatIsStillSuggested() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo]}}
            nodes:
              - {id: a, task: t}
              - {id: b, fi: [{when: true, then: {task: t}}], after: [a]}
              - {id: c, task: t, after: [b]}
            """)
        expectDiagnostic(r, .unknownKey, line: 5, column: 13, path: "nodes[1].fi", message: "unknown key 'fi' in a node; did you mean 'if'?")
    }

    @Test func unknownTaskInAFileWithoutTasks() {
        let r = Flow.compile("""
            name: demo
            nodes:
              - {id: a, task: train}
            """)
        expectDiagnostic(r, .unknownReference, line: 3, column: 19, path: "nodes[0].task",
                         message: "unknown task 'train'; the file defines no tasks")
    }

    @Test func unknownNodeInAReferenceSuggestsTheClosest() {
        let r = Flow.compile(Self.base + "  - {id: b, task: t, inputs: {x: prpe.loss}}\n")
        expectDiagnostic(r, .unknownReference, line: 11, column: 34, path: "nodes[1].inputs.x",
                         message: "'prpe.loss' refers to node 'prpe', which does not exist", "did you mean 'prep'?")
    }

    @Test func unknownOutputOfANodeListsItsOutputs() {
        let r = Flow.compile(Self.base + "  - {id: b, task: t, inputs: {x: prep.los}}\n")
        expectDiagnostic(r, .unknownReference, line: 11, column: 34, path: "nodes[1].inputs.x",
                         message: "node 'prep' has no output 'los'", "did you mean 'loss'?")
        #expect(r.diagnostics.first?.message.contains("its outputs: loss") == true)
    }

    @Test func unknownWorkflowInputSuggestsTheDeclaredOne() {
        let r = Flow.compile(Self.base + "  - {id: b, task: t, inputs: {x: inputs.epoch}}\n")
        expectDiagnostic(r, .unknownReference, line: 11, column: 34, path: "nodes[1].inputs.x",
                         message: "unknown workflow input 'inputs.epoch'", "did you mean 'epochs'?")
    }

    @Test func unknownWorkflowInputWhenNoneAreDeclared() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo], inputs: {x: int}}}
            nodes:
              - id: a
                task: t
                inputs:
                  x: inputs.nope
            """)
        expectDiagnostic(r, .unknownReference, line: 7, column: 10, path: "nodes[0].inputs.x",
                         message: "unknown workflow input 'inputs.nope'; the flow declares no inputs")
    }

    @Test func unknownAfterNodeSuggestsTheClosest() {
        let r = Flow.compile(Self.base + "  - {id: b, task: t, inputs: {x: 1}, after: [perp]}\n")
        expectDiagnostic(r, .unknownReference, line: 11, column: 46, path: "nodes[1].after[0]",
                         message: "after: unknown node 'perp'", "did you mean 'prep'?")
    }

    @Test func unknownTaskInputNameListsTheInputs() {
        let r = Flow.compile(Self.base + "  - {id: b, task: t, inputs: {x: 1, why: 2}}\n")
        // The name is the mistake, so it points at the key (`why`), not at the value.
        expectDiagnostic(r, .unknownReference, line: 11, column: 37, path: "nodes[1].inputs.why",
                         message: "task 't' has no input 'why'; its inputs: x")
    }

    @Test func unknownMapTaskInputSuggestsTheClosest() {
        let r = Flow.compile("""
            name: demo
            inputs: {xs: list<int>}
            tasks: {t: {command: [echo], inputs: {count: int}}}
            nodes:
              - id: each
                map: {over: inputs.xs, task: t, inputs: {cuont: item}}
            """)
        #expect(r.diagnostics.count == 2)
        expectDiagnostic(r, .unknownReference, line: 6, column: 46, path: "nodes[0].map.inputs.cuont",
                         message: "task 't' has no input 'cuont'", "did you mean 'count'?", only: false)
        expectDiagnostic(r, .missingInput, line: 6, column: 10, path: "nodes[0].map",
                         message: "missing required input 'count' (int) of task 't'", only: false)
    }

    @Test func bareNodeNameIsNotAReference() {
        let r = Flow.compile(Self.base + "  - {id: b, task: t, inputs: {x: prep}}\n")
        expectDiagnostic(r, .unknownReference, line: 11, column: 34, path: "nodes[1].inputs.x",
                         message: "unknown name 'prep'")
        #expect(r.diagnostics.first?.message.contains("name one of its outputs: prep.OUTPUT") == true)
    }

    @Test func unknownSubworkflowIsReported() {
        let r = Flow.compile("""
            name: demo
            nodes:
              - {id: a, workflow: trian}
            workflows:
              train:
                nodes: []
            """)
        expectDiagnostic(r, .unknownReference, line: 3, column: 23, path: "nodes[0].workflow",
                         message: "unknown workflow 'trian'", "did you mean 'train'?")
    }

    // MARK: missing inputs

    @Test func missingRequiredInputNamesItAndItsType() {
        let r = Flow.compile(Self.base + "  - {id: b, task: t}\n")
        expectDiagnostic(r, .missingInput, line: 11, column: 5, path: "nodes[1]",
                         message: "missing required input 'x' (int) of task 't'")
    }

    @Test func optionalAndDefaultedInputsMayBeLeftOut() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t:
                command: [echo]
                inputs: {a: int?, b: {type: int, default: 3}}
            nodes:
              - {id: x, task: t}
            """)
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        let inputs = r.flow?.workflow.node("x")?.inputs ?? []
        #expect(inputs.map(\.name) == ["b"])
        #expect(inputs.first?.binding == .literal(.int(3)))
    }

    // MARK: several errors at once

    @Test func severalErrorsAreAllReportedInOnePassSortedByLine() {
        let r = Flow.compile("""
            name: Demo_Flow
            inputs:
              n: int
            tasks:
              t:
                imgae: x
                command: [echo]
                inputs: {x: int}
                outputs: {y: string}
                timeout: 10x
                resources: {cpu: 1.5.3}
            nodes:
              - {id: a, task: t, inputs: {x: inputs.n}}
              - {id: b, task: t, inputs: {x: a.y}}
              - {id: c, task: nope}
              - {id: a, task: t, inputs: {x: 1}}
              - {id: d, task: t, inputs: {x: inputs.m}, after: [zz]}
            """)
        let found = r.diagnostics.map { "\($0.line):\($0.column) \($0.code.rawValue) \($0.path)" }
        #expect(found == [
            "1:7 invalid-name name",
            "6:5 unknown-key tasks.t.imgae",
            "10:14 invalid-duration tasks.t.timeout",
            "11:22 invalid-quantity tasks.t.resources.cpu",
            "14:34 type-mismatch nodes[1].inputs.x",
            "15:19 unknown-reference nodes[2].task",
            "16:10 duplicate-id nodes[3].id",
            "17:34 unknown-reference nodes[4].inputs.x",
            "17:53 unknown-reference nodes[4].after[0]",
        ])
        #expect(r.diagnostics.count == 9)
        #expect(r.flow == nil)
        let places = r.diagnostics.map { Location(line: $0.line, column: $0.column) }
        #expect(places == places.sorted())
        #expect(r.diagnostics.allSatisfy { $0.file == Flow.file })
    }

    @Test func errorsInSeveralWorkflowsAreAllReported() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo], inputs: {x: int}}}
            nodes:
              - {id: a, task: t, inputs: {x: "one"}}
              - {id: s, workflow: sub}
            workflows:
              sub:
                nodes:
                  - {id: b, task: u}
            """)
        #expect(r.diagnostics.map(\.path) == ["nodes[0].inputs.x", "workflows.sub.nodes[0].task"])
        #expect(r.diagnostics.map(\.line) == [4, 9])
    }

    @Test func descriptionRendersFileLineColumnPathAndMessage() {
        let r = Flow.compile(Self.base + "  - {id: b, task: tt, inputs: {x: 1}}\n")
        #expect(r.diagnostics.first?.description.hasPrefix("test.yaml:11:19: nodes[1].task: unknown task 'tt'") == true)
    }
}
