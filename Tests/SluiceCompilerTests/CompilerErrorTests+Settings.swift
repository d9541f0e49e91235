import Testing

@testable import SluiceCompiler
import SluiceModel

/// Setting errors: map parallelism and success thresholds, signals and gates, durations, and placeholders.
@Suite("Compiler errors: settings")
struct CompilerSettingErrorTests {
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
                         message: "min_success_ratio must be in (0, 1] (found 0)")
    }

    @Test func minSuccessRatioAboveOne() {
        expectDiagnostic(Self.map("min_success_ratio: 1.5"), .invalidValue, line: 6, column: 75, path: "nodes[0].map.min_success_ratio",
                         message: "min_success_ratio must be in (0, 1] (found 1.5)")
    }

    @Test func aNumberOfTheWrongShapeKeepsItsSpelling() {
        expectDiagnostic(Self.map("parallelism: 1.50"), .wrongShape, line: 6, column: 69, path: "nodes[0].map.parallelism",
                         message: "expected a whole number but found the number 1.50")
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

    @Test func unknownPlaceholderInAPlacementOfATaskNode() {
        let r = Flow.compile("""
            name: demo
            inputs: {zone: string}
            tasks: {t: {command: [echo]}}
            nodes:
              - {id: a, task: t, placement: {node: "{{inputs.zone}}-edge"}}
              - {id: b, task: t, placement: {node: "{{inputs.zon}}-edge"}}
            """)
        expectDiagnostic(r, .unknownReference, line: 6, column: 40, path: "nodes[1].placement.node",
                         message: "unknown placeholder '{{inputs.zon}}'; expected {{inputs.NAME}}")
    }

    @Test func nodeCacheIgnoreNamesAnInputOfTheTask() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo], inputs: {seed: int, data: string}}}
            nodes:
              - id: a
                task: t
                inputs: {seed: 1, data: ""}
                cache: {version: "1", ignore: [seed, dat]}
            """)
        expectDiagnostic(r, .unknownReference, line: 7, column: 42, path: "nodes[0].cache.ignore[1]",
                         message: "cache.ignore names 'dat', which is not an input of task 't' (did you mean 'data'?)")
    }

    // MARK: keys a kind of task does not use

    @Test func podTaskWithContainerKeys() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t:
                pod: {containers: [{name: main, image: busybox}]}
                image: busybox
            nodes: [{id: a, task: t}]
            """)
        expectDiagnostic(r, .invalidValue, line: 5, column: 12, path: "tasks.t.image",
                         message: "a pod task takes its containers from 'pod'; remove 'image'")
    }

    @Test func pluginTaskWithContainerKeys() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t: {type: sql, config: {query: "select 1"}, env: {A: b}}
            nodes: [{id: a, task: t}]
            """)
        expectDiagnostic(r, .invalidValue, line: 3, column: 52, path: "tasks.t.env",
                         message: "a plugin task (type: sql) cannot also set 'env'")
    }

    @Test func primaryContainerWithoutAPod() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t: {command: [echo], primary_container: main}
            nodes: [{id: a, task: t}]
            """)
        expectDiagnostic(r, .invalidValue, line: 3, column: 43, path: "tasks.t.primary_container",
                         message: "'primary_container' belongs to pod tasks")
    }

    // MARK: apps

    @Test(arguments: ["-1", "0"])
    func appReplicasBelowOne(_ n: String) {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo]}}
            nodes: [{id: a, task: t}]
            apps: [{name: web, command: [serve], replicas: \(n)}]
            """)
        expectDiagnostic(r, .invalidValue, line: 4, column: 48, path: "apps[0].replicas",
                         message: "replicas must be at least 1 (found \(n)); to scale to zero when idle, write {min: 0, max: N}")
    }

    @Test func appMinReplicasNegative() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {command: [echo]}}
            nodes: [{id: a, task: t}]
            apps: [{name: web, command: [serve], replicas: {min: -1, max: 2}}]
            """)
        expectDiagnostic(r, .invalidValue, line: 4, column: 54, path: "apps[0].replicas.min", message: "must be at least 0 (found -1)")
    }
}
