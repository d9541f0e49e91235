import Testing

@testable import SluiceCompiler
import SluiceModel

/// Value errors: unbound outputs, names, quantities and resources (map settings, gates, durations, placeholders: +Settings).
@Suite("Compiler errors: values")
struct CompilerValueErrorTests {
    // MARK: unbound workflow outputs

    @Test func outputWithoutAValueIsUnbound() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo], outputs: {y: string}}}
            outputs:
              x:
              w: a.y
            nodes: [{id: a, task: t}]
            """)
        // An empty value is located where it would be written: just after the colon.
        expectDiagnostic(r, .unboundOutput, line: 4, column: 5, path: "outputs.x",
                         message: "output 'x' is not bound: expected NODE.OUTPUT, e.g. x: train.x")
    }

    @Test func outputWithoutAValueInFlowStyleIsUnbound() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo], outputs: {y: string}}}
            outputs: {x: , w: a.y}
            nodes: [{id: a, task: t}]
            """)
        expectDiagnostic(r, .unboundOutput, line: 3, column: 14, path: "outputs.x", message: "output 'x' is not bound")
    }

    @Test func outputWithOnlyADescriptionIsUnbound() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo], outputs: {y: string}}}
            outputs:
              x: {description: the result}
            nodes: [{id: a, task: t}]
            """)
        expectDiagnostic(r, .unboundOutput, line: 4, column: 6, path: "outputs.x",
                         message: "output 'x' is not bound: add from: NODE.OUTPUT")
    }

    @Test func outputWithFromIsBound() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo], outputs: {y: string}}}
            outputs:
              x: {from: a.y, description: the result}
            nodes: [{id: a, task: t}]
            """)
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        #expect(r.flow?.workflow.interface.outputs.map(\.name) == ["x"])
    }

    @Test func outputBoundToAnUnknownNode() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo], outputs: {y: string}}}
            outputs:
              x: b.y
            nodes: [{id: a, task: t}]
            """)
        expectDiagnostic(r, .unknownReference, line: 4, column: 6, path: "outputs.x",
                         message: "'b.y' refers to node 'b', which does not exist")
    }

    // MARK: names

    @Test func flowNameWithUppercase() {
        let r = Flow.compile("name: MyFlow\ntasks: {t: {command: [echo]}}\nnodes: [{id: a, task: t}]\n")
        expectDiagnostic(r, .invalidName, line: 1, column: 7, path: "name",
                         message: "invalid flow name 'MyFlow': may contain only lowercase letters, digits and '-' (found 'M')")
    }

    @Test func flowNameWithUnderscore() {
        let r = Flow.compile("name: my_flow\ntasks: {t: {command: [echo]}}\nnodes: [{id: a, task: t}]\n")
        expectDiagnostic(r, .invalidName, line: 1, column: 7, path: "name",
                         message: "invalid flow name 'my_flow'", "(found '_')", "Kubernetes object names")
    }

    @Test func nodeIDLongerThan63Characters() {
        let long = String(repeating: "a", count: 60) + "-bcd"
        let ok = String(repeating: "a", count: 63)
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo]}}
            nodes:
              - {id: \(ok), task: t}
              - {id: \(long), task: t}
            """)
        expectDiagnostic(r, .invalidName, line: 5, column: 10, path: "nodes[1].id",
                         message: "invalid node id '\(long)': must be at most 63 characters (has 64)")
    }

    @Test func nodeIDStartingWithADash() {
        let r = Flow.compile("name: demo\ntasks: {t: {command: [echo]}}\nnodes:\n  - {id: -a, task: t}\n")
        expectDiagnostic(r, .invalidName, line: 4, column: 10, path: "nodes[0].id",
                         message: "must start and end with a lowercase letter or digit")
    }

    @Test func inputNameWithADash() {
        let r = Flow.compile("""
            name: demo
            inputs:
              max-size: int
            tasks: {t: {command: [echo]}}
            nodes: [{id: a, task: t}]
            """)
        expectDiagnostic(r, .invalidName, line: 3, column: 3, path: "inputs.max-size",
                         message: "invalid input name 'max-size': use letters, digits and '_'")
    }

    @Test func taskNameWithASpace() {
        let r = Flow.compile("""
            name: demo
            tasks:
              "my task": {command: [echo]}
            nodes: [{id: a, task: my task}]
            """)
        expectDiagnostic(r, .invalidName, line: 3, column: 3, path: "tasks.my task",
                         message: "invalid task name 'my task'")
    }

    // MARK: quantities and resources

    static func resources(_ text: String) -> CompileResult {
        Flow.compile("""
            name: demo
            tasks:
              t:
                command: [echo]
                resources: \(text)
            nodes: [{id: a, task: t}]
            """)
    }

    @Test func quantityWithTwoDecimalPoints() {
        let r = Self.resources("{cpu: 1.5.3}")
        expectDiagnostic(r, .invalidQuantity, line: 5, column: 22, path: "tasks.t.resources.cpu",
                         message: "invalid quantity \"1.5.3\": a number has at most one decimal point")
    }

    @Test func quantityWithAnUnknownSuffix() {
        let r = Self.resources("{memory: 4GB}")
        expectDiagnostic(r, .invalidQuantity, line: 5, column: 25, path: "tasks.t.resources.memory",
                         message: "unknown suffix \"GB\"")
    }

    @Test func fractionalGPU() {
        let r = Self.resources("{cpu: \"1\", gpu: 0.5}")
        expectDiagnostic(r, .invalidQuantity, line: 5, column: 32, path: "tasks.t.resources.gpu",
                         message: "GPU counts must be whole numbers (found 0.5)")
    }

    @Test func negativeMemory() {
        let r = Self.resources("{memory: -1Gi}")
        expectDiagnostic(r, .invalidQuantity, line: 5, column: 25, path: "tasks.t.resources.memory",
                         message: "memory must not be negative (found -1Gi)")
    }

    @Test func requestAboveItsLimit() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t:
                command: [echo]
                resources:
                  requests: {cpu: "2", memory: 1Gi}
                  limits: {cpu: 1500m, memory: 2Gi}
            nodes: [{id: a, task: t}]
            """)
        expectDiagnostic(r, .resources, line: 6, column: 23, path: "tasks.t.resources.requests.cpu",
                         message: "cpu request 2 is above its limit 1500m")
    }

    @Test func memoryRequestAboveItsLimit() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t:
                command: [echo]
                resources:
                  requests: {memory: 2Gi}
                  limits: {memory: 1024Mi}
            nodes: [{id: a, task: t}]
            """)
        expectDiagnostic(r, .resources, line: 6, column: 26, path: "tasks.t.resources.requests.memory",
                         message: "memory request 2Gi is above its limit 1Gi")
    }

    @Test func gpuRequestWithoutALimit() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t:
                command: [echo]
                resources:
                  requests: {gpu: 1}
            nodes: [{id: a, task: t}]
            """)
        // There is no `limits` to point at, so the diagnostic points at `resources`.
        expectDiagnostic(r, .resources, line: 5, column: 5, path: "tasks.t.resources.limits",
                         message: "a GPU request needs the same GPU limit")
    }

    @Test func shorthandBesideRequestsIsRefused() {
        let r = Self.resources("{cpu: \"1\", requests: {memory: 1Gi}}")
        expectDiagnostic(r, .resources, line: 5, column: 22, path: "tasks.t.resources.cpu",
                         message: "set 'cpu' under requests or limits when either is given")
    }
}
