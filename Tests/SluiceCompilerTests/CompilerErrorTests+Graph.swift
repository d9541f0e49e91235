import Testing

@testable import SluiceCompiler
import SluiceModel

/// Graph errors: cycles, duplicate ids, unreachable nodes, workflow cycles, and errors that cascade from a dropped node.
@Suite("Compiler errors: graph")
struct CompilerGraphErrorTests {
    /// A task whose input is optional, so nodes may chain through `x` or stand alone; nodes start at line 8.
    static let base = """
        name: demo
        tasks:
          t:
            command: [echo]
            inputs: {x: {type: string, default: ""}}
            outputs: {y: string}
        nodes:

        """

    static func flow(_ nodes: String) -> CompileResult { Flow.compile(base + nodes) }

    // MARK: cycles

    @Test func twoNodeCycleNamesBothNodes() {
        let r = Self.flow("""
              - {id: a, task: t, inputs: {x: b.y}}
              - {id: b, task: t, inputs: {x: a.y}}

            """)
        expectDiagnostic(r, .cycle, line: 8, column: 5, path: "nodes[0]", message: "cycle: a -> b -> a;")
    }

    @Test func threeNodeCycleNamesItsNodesInEdgeOrder() {
        let r = Self.flow("""
              - {id: start, task: t}
              - {id: a, task: t, inputs: {x: c.y}}
              - {id: b, task: t, inputs: {x: a.y}}
              - {id: c, task: t, inputs: {x: b.y}}

            """)
        // Data flows a -> b -> c -> a; the cycle starts at its first node in the file.
        expectDiagnostic(r, .cycle, line: 9, column: 5, path: "nodes[1]",
                         message: "cycle: a -> b -> c -> a; a node cannot depend on itself")
    }

    @Test func cycleThroughAfterAndDataEdges() {
        let r = Self.flow("""
              - id: load
                task: t
                after: [check]
              - {id: check, task: t, inputs: {x: load.y}}

            """)
        expectDiagnostic(r, .cycle, line: 8, column: 5, path: "nodes[0]", message: "cycle: load -> check -> load")
    }

    @Test func nodeAfterItself() {
        let r = Self.flow("  - {id: a, task: t, after: [a]}\n")
        expectDiagnostic(r, .cycle, line: 8, column: 5, path: "nodes[0]", message: "cycle: a -> a;")
    }

    @Test func nodeReadingItsOwnOutput() {
        let r = Self.flow("  - {id: a, task: t, inputs: {x: a.y}}\n")
        expectDiagnostic(r, .cycle, line: 8, column: 5, path: "nodes[0]", message: "cycle: a -> a;")
    }

    @Test func twoSeparateCyclesAreBothReported() {
        let r = Self.flow("""
              - {id: a, task: t, inputs: {x: b.y}}
              - {id: b, task: t, inputs: {x: a.y}}
              - {id: ok, task: t, inputs: {x: a.y}}
              - {id: c, task: t, after: [d]}
              - {id: d, task: t, after: [c]}

            """)
        #expect(r.diagnostics.map(\.code) == [.cycle, .cycle])
        #expect(r.diagnostics.map(\.path) == ["nodes[0]", "nodes[3]"])
        #expect(r.diagnostics.map(\.line) == [8, 11])
        #expect(r.diagnostics[0].message.contains("a -> b -> a"))
        #expect(r.diagnostics[1].message.contains("c -> d -> c"))
    }

    @Test func cycleInsideASubworkflow() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo], inputs: {x: {type: string, default: ""}}, outputs: {y: string}}}
            nodes: [{id: s, workflow: sub}]
            workflows:
              sub:
                nodes:
                  - {id: a, task: t, after: [b]}
                  - {id: b, task: t, inputs: {x: a.y}}
            """)
        expectDiagnostic(r, .cycle, line: 7, column: 9, path: "workflows.sub.nodes[0]", message: "cycle: a -> b -> a")
    }

    @Test func cycleThroughABranchCase() {
        let r = Self.flow("""
              - id: check
                if:
                  - {when: true, then: {task: t, inputs: {x: later.y}}}
                  - {else: {fail: stop}}
              - {id: later, task: t, inputs: {x: check.y}}

            """)
        expectDiagnostic(r, .cycle, line: 8, column: 5, path: "nodes[0]", message: "cycle: check -> later -> check")
    }

    // MARK: duplicate ids

    @Test func duplicateNodeIDNamesTheFirstUse() {
        let r = Self.flow("""
              - {id: a, task: t}
              - {id: b, task: t}
              - {id: a, task: t}

            """)
        expectDiagnostic(r, .duplicateID, line: 10, column: 10, path: "nodes[2].id",
                         message: "duplicate node id 'a'; it is already used by nodes[0] (line 8)")
    }

    @Test func duplicateNodeIDAcrossSteps() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo]}}
            steps:
              - {name: one, id: a, task: t}
              - name: two
                nodes:
                  - {id: a, task: t}
            """)
        expectDiagnostic(r, .duplicateID, line: 7, column: 14, path: "steps[1].nodes[0].id",
                         message: "duplicate node id 'a'; it is already used by steps[0] (line 4)", only: false)
    }

    @Test func duplicateNodeIDAcrossStepsIsNotACycle() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo]}}
            steps:
              - {name: one, id: a, task: t}
              - name: two
                nodes:
                  - {id: a, task: t}
            """)
        expectDiagnostic(r, .duplicateID, line: 7, column: 14, path: "steps[1].nodes[0].id", message: "duplicate node id 'a'")
    }

    @Test func duplicateIDInsideABranch() {
        let r = Self.flow("""
              - id: check
                if:
                  - {when: false, then: {id: x, task: t}}
                  - {when: false, then: {id: x, task: t}}

            """)
        expectDiagnostic(r, .duplicateID, line: 11, column: 34, path: "nodes[0].if[1].then.id",
                         message: "duplicate id 'x' inside branch 'check'")
    }

    @Test func failureNodeIDClashesWithANode() {
        let r = Flow.compile(Self.base + "  - {id: a, task: t}\non_failure: {node: {id: a, task: t}}\n")
        expectDiagnostic(r, .duplicateID, line: 9, column: 20, path: "on_failure.node",
                         message: "the on_failure node's id 'a' is already used by nodes[0]")
    }

    // MARK: unreachable

    @Test func caseAfterElseIsUnreachable() {
        let r = Self.flow("""
              - id: check
                if:
                  - {when: false, then: {task: t}}
                  - {else: {task: t}}
                  - {when: false, then: {task: t}}

            """)
        expectDiagnostic(r, .unreachable, line: 12, column: 9, path: "nodes[0].if[2]",
                         message: "unreachable: this case comes after the else at nodes[0].if[1]")
    }

    @Test func caseAfterAnAlwaysTrueCaseIsUnreachable() {
        let r = Self.flow("""
              - id: check
                if:
                  - {when: true, then: {task: t}}
                  - {when: false, then: {task: t}}

            """)
        expectDiagnostic(r, .unreachable, line: 11, column: 9, path: "nodes[0].if[1]",
                         message: "unreachable: case 0 has a condition that is always true")
    }

    @Test func elseAfterAnAlwaysTrueCaseIsUnreachable() {
        let r = Self.flow("""
              - id: check
                if:
                  - {when: true, then: {task: t}}
                  - {else: {task: t}}

            """)
        expectDiagnostic(r, .unreachable, line: 11, column: 9, path: "nodes[0].if[1]", message: "unreachable")
    }

    @Test func nodesDownstreamOfABranchThatAlwaysFailsAreUnreachable() {
        let r = Self.flow("""
              - id: check
                if:
                  - {when: false, then: {task: t}}
                  - {else: {fail: "no way"}}
              - {id: next, task: t, after: [check]}
              - {id: uses, task: t, inputs: {x: check.y}}
              - {id: free, task: t}

            """)
        expectDiagnostic(r, .unreachable, line: 12, column: 5, path: "nodes[1]",
                         message: "node 'next' runs after branch 'check', whose conditions are all false", only: false)
        expectDiagnostic(r, .unreachable, line: 13, column: 5, path: "nodes[2]",
                         message: "node 'uses' runs after branch 'check'", only: false)
        #expect(!r.diagnostics.contains { $0.path == "nodes[3]" })
        #expect(r.diagnostics.allSatisfy { $0.code == .unreachable })
    }

    @Test func branchThatAlwaysFailsWithNothingAfterItIsAllowed() {
        let r = Self.flow("""
              - id: check
                if:
                  - {when: false, then: {task: t}}
                  - {else: {fail: "no way"}}

            """)
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
    }

    // MARK: workflow cycles

    @Test func twoWorkflowsCallingEachOther() {
        let r = Flow.compile("""
            name: demo
            nodes:
              - {id: a, workflow: loop-a}
            workflows:
              loop-a:
                nodes:
                  - {id: x, workflow: loop-b}
              loop-b:
                nodes:
                  - {id: y, workflow: loop-a}
            """)
        // Located at the start of the first workflow's definition.
        expectDiagnostic(r, .cycle, line: 6, column: 5, path: "workflows.loop-a",
                         message: "workflow cycle: loop-a -> loop-b -> loop-a; a workflow cannot call itself")
    }

    @Test func workflowCallingItself() {
        let r = Flow.compile("""
            name: demo
            nodes:
              - {id: a, workflow: again}
            workflows:
              again:
                nodes:
                  - id: check
                    if:
                      - {when: true, then: {workflow: again}}
            """)
        expectDiagnostic(r, .cycle, line: 6, column: 5, path: "workflows.again", message: "workflow cycle: again -> again")
    }

    @Test func mainFlowCallingItself() {
        let r = Flow.compile("""
            name: demo
            nodes:
              - {id: a, workflow: demo}
            """)
        expectDiagnostic(r, .cycle, line: 3, column: 23, path: "nodes[0].workflow", message: "cannot call itself")
    }

    @Test func subworkflowCallingTheMainFlow() {
        let r = Flow.compile("""
            name: demo
            nodes:
              - {id: a, workflow: inner}
            workflows:
              inner:
                nodes:
                  - {id: back, workflow: demo}
            """)
        expectDiagnostic(r, .cycle, line: 7, column: 30, path: "workflows.inner.nodes[0].workflow",
                         message: "workflow 'demo' is the flow that contains this subworkflow; a workflow cannot call itself")
    }

    // MARK: cascades from a node that could not be read

    @Test func droppedNodeIsNotReportedAsUnknown() {
        let r = Self.flow("""
              - {id: nap, gate: {sleep: 5}}
              - {id: b, task: t, after: [nap]}

            """)
        expectDiagnostic(r, .invalidDuration, line: 8, column: 29, path: "nodes[0].gate.sleep", message: "a number needs a unit")
    }

    @Test func inputWithABadTypeIsNotReportedAsUnknown() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t: {command: [echo, "{{inputs.xs}}"], inputs: {xs: "list<int"}}
            nodes: [{id: a, task: t, inputs: {xs: []}}]
            """)
        expectDiagnostic(r, .invalidType, line: 3, column: 63, path: "tasks.t.inputs.xs", message: "expected '>' at the end")
    }
}
