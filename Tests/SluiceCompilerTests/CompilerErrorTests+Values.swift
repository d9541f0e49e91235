import Testing

@testable import SluiceCompiler
import SluiceModel

/// Value errors: names, quantities, map settings, signals, durations, outputs, placeholders and gates.
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

    // MARK: map settings

    static func map(_ settings: String) -> CompileResult {
        Flow.compile("""
            name: demo
            inputs: {xs: list<int>}
            tasks: {t: {command: [echo], inputs: {n: int}}}
            nodes:
              - id: each
                map: {over: inputs.xs, task: t, inputs: {n: item}, \(settings)}
            """)
    }

    @Test func parallelismZero() {
        expectDiagnostic(Self.map("parallelism: 0"), .invalidValue, line: 6, column: 69, path: "nodes[0].map.parallelism",
                         message: "parallelism must be 1 or more (found 0)")
    }

    @Test func parallelismNegative() {
        expectDiagnostic(Self.map("parallelism: -3"), .invalidValue, line: 6, column: 69, path: "nodes[0].map.parallelism",
                         message: "parallelism must be 1 or more (found -3)")
    }

    @Test func parallelismNotANumber() {
        expectDiagnostic(Self.map("parallelism: lots"), .wrongShape, line: 6, column: 69, path: "nodes[0].map.parallelism",
                         message: "expected a whole number but found the text \"lots\"")
    }

    @Test func minSuccessRatioZero() {
        expectDiagnostic(Self.map("min_success_ratio: 0"), .invalidValue, line: 6, column: 75, path: "nodes[0].map.min_success_ratio",
                         message: "min_success_ratio must be in (0, 1]")
    }

    @Test func minSuccessRatioAboveOne() {
        expectDiagnostic(Self.map("min_success_ratio: 1.5"), .invalidValue, line: 6, column: 75, path: "nodes[0].map.min_success_ratio",
                         message: "min_success_ratio must be in (0, 1] (found 1.5)")
    }

    @Test func minSuccessesZero() {
        expectDiagnostic(Self.map("min_successes: 0"), .invalidValue, line: 6, column: 71, path: "nodes[0].map.min_successes",
                         message: "min_successes must be 1 or more (found 0)")
    }

    @Test func minSuccessesAndRatioTogether() {
        expectDiagnostic(Self.map("min_successes: 1, min_success_ratio: 0.5"), .invalidValue, line: 6, column: 93,
                         path: "nodes[0].map.min_success_ratio", message: "give either min_successes or min_success_ratio, not both")
    }

    // MARK: signals and gates

    @Test func duplicateSignalID() {
        let r = Flow.compile("""
            name: demo
            nodes:
              - {id: first, gate: {signal: go, type: bool}}
              - {id: second, gate: {signal: go, type: bool}}
            """)
        expectDiagnostic(r, .duplicateID, line: 4, column: 33, path: "nodes[1].gate.signal",
                         message: "duplicate signal id 'go'; it is already waited for at nodes[0].gate.signal")
    }

    @Test func duplicateSignalIDInsideABranch() {
        let r = Flow.compile("""
            name: demo
            nodes:
              - {id: first, gate: {signal: go, type: bool}}
              - id: check
                if:
                  - {when: true, then: {gate: {signal: go, type: int}}}
            """)
        expectDiagnostic(r, .duplicateID, line: 6, column: 44, path: "nodes[1].if[0].then.gate.signal",
                         message: "duplicate signal id 'go'")
    }

    @Test func signalWithoutAType() {
        let r = Flow.compile("name: demo\nnodes:\n  - {id: pick, gate: {signal: go}}\n")
        expectDiagnostic(r, .missingKey, line: 3, column: 22, path: "nodes[0].gate",
                         message: "missing required key 'type' (the signal's value type, e.g. type: float)")
    }

    @Test func approveGateOfAValueThatDoesNotExist() {
        let r = Flow.compile("name: demo\nnodes:\n  - {id: hold, gate: {approve: nope.value}}\n")
        expectDiagnostic(r, .unknownReference, line: 3, column: 32, path: "nodes[0].gate.approve",
                         message: "'nope.value' refers to node 'nope', which does not exist")
    }

    @Test func approveGateOfAnOutputThatDoesNotExist() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo], outputs: {loss: float}}}
            nodes:
              - {id: fit, task: t}
              - {id: hold, gate: {approve: fit.accuracy}}
            """)
        expectDiagnostic(r, .unknownReference, line: 5, column: 32, path: "nodes[1].gate.approve",
                         message: "node 'fit' has no output 'accuracy'; its outputs: loss")
    }

    @Test func gateWithTwoKinds() {
        let r = Flow.compile("name: demo\nnodes:\n  - {id: g, gate: {sleep: 1s, approve: null}}\n")
        expectDiagnostic(r, .missingKey, line: 3, column: 19, path: "nodes[0].gate",
                         message: "a gate needs exactly one of sleep, approve, signal (found sleep and approve)")
    }

    // MARK: durations

    @Test func timeoutWithAnUnknownUnit() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t:
                command: [echo]
                timeout: 10x
            nodes: [{id: a, task: t}]
            """)
        expectDiagnostic(r, .invalidDuration, line: 5, column: 14, path: "tasks.t.timeout",
                         message: "invalid duration \"10x\"", "expected one of ms, s, m, h, d")
    }

    @Test func sleepWithoutAUnit() {
        let r = Flow.compile("name: demo\nnodes:\n  - {id: nap, gate: {sleep: 5}}\n")
        expectDiagnostic(r, .invalidDuration, line: 3, column: 29, path: "nodes[0].gate.sleep",
                         message: "invalid duration \"5\": a number needs a unit; write 5s, 5m or 5h")
    }

    @Test func nodeTimeoutWithAnUnparseableDeadline() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo]}}
            nodes:
              - id: a
                task: t
                timeout: {runtime: 1h, deadline: soon}
            """)
        expectDiagnostic(r, .invalidDuration, line: 6, column: 38, path: "nodes[0].timeout.deadline",
                         message: "invalid duration \"soon\"")
    }

    @Test func deadlineShorterThanTheRuntime() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo]}}
            nodes:
              - id: a
                task: t
                timeout: {runtime: 1h, deadline: 30m}
            """)
        expectDiagnostic(r, .invalidValue, line: 6, column: 38, path: "nodes[0].timeout.deadline",
                         message: "deadline (30m) is shorter than one attempt's runtime (1h)")
    }

    @Test func backoffWithAnUnparseableBase() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t:
                command: [echo]
                retries: {attempts: 3, backoff: {base: 1 s}}
            nodes: [{id: a, task: t}]
            """)
        expectDiagnostic(r, .invalidDuration, line: 5, column: 44, path: "tasks.t.retries.backoff.base",
                         message: "invalid duration \"1 s\"")
    }

    // MARK: placeholders

    @Test func unknownPlaceholderInACommand() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t:
                command: [echo, "{{inputs.nope}}"]
                inputs: {who: string}
            nodes: [{id: a, task: t, inputs: {who: "me"}}]
            """)
        expectDiagnostic(r, .unknownReference, line: 4, column: 21, path: "tasks.t.command[1]",
                         message: "unknown placeholder '{{inputs.nope}}'", "its inputs: who")
    }

    @Test func misspelledPlaceholderSuggestsTheInput() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t:
                command: [echo]
                args: ["--name", "{{ inputs.whoo }}"]
                inputs: {who: string}
            nodes: [{id: a, task: t, inputs: {who: "me"}}]
            """)
        expectDiagnostic(r, .unknownReference, line: 5, column: 22, path: "tasks.t.args[1]",
                         message: "unknown placeholder '{{inputs.whoo}}'", "did you mean 'who'?")
    }

    @Test func placeholderInATaskWithoutInputs() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t: {command: [echo, "{{inputs.x}}"]}
            nodes: [{id: a, task: t}]
            """)
        expectDiagnostic(r, .unknownReference, line: 3, column: 23, path: "tasks.t.command[1]",
                         message: "unknown placeholder '{{inputs.x}}'", "the task declares no inputs")
    }

    @Test func unknownPlaceholderInAPlacement() {
        let r = Flow.compile("""
            name: demo
            inputs: {sites: list<string>}
            tasks: {t: {command: [echo], inputs: {site: string}}}
            nodes:
              - id: each
                map: {over: inputs.sites, as: site, task: t, inputs: {site: site}}
                placement: {node: "{{item}}-edge"}
            """)
        expectDiagnostic(r, .unknownReference, line: 7, column: 23, path: "nodes[0].placement.node",
                         message: "unknown placeholder '{{item}}'; expected {{site}} or {{inputs.NAME}}")
    }
}
