import Testing

@testable import SluiceCompiler
import SluiceModel

/// Kubernetes-facing settings: `placement` (node selector, affinity, tolerations) and a task's `security`.
@Suite("Compiler errors: placement and security")
struct CompilerPlacementErrorTests {
    static func placement(_ p: String) -> CompileResult {
        Flow.compile("""
            name: demo
            tasks: {t: {image: b:1, command: [run]}}
            nodes:
              - id: n
                task: t
                placement: \(p)
            """)
    }

    static func security(_ s: String) -> CompileResult {
        Flow.compile("""
            name: demo
            tasks:
              t: {image: b:1, command: [run], security: \(s)}
            nodes: [{id: n, task: t}]
            """)
    }

    @Test func validPlacementAndSecurityCompileToTheModel() throws {
        let r = Flow.compile("""
            name: demo
            tasks:
              t: {image: b:1, command: [run], security: {run_as_root: true, privilege_escalation: true, capabilities: [NET_ADMIN]}}
            nodes:
              - id: n
                task: t
                placement:
                  node: edge-1
                  node_selector: {topology.kubernetes.io/zone: eu-west-1a}
                  tolerations: [{key: spot, operator: Exists, effect: NoSchedule}, {key: x, operator: Equal, value: y, effect: NoExecute, tolerationSeconds: 30}]
                  affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: kubernetes.io/hostname}]}}
            """)
        let flow = try #require(r.flow, "\(r.diagnostics)")
        let p = try #require(flow.workflow.nodes[0].node.placement)
        #expect(p.node == "edge-1")
        #expect(p.nodeSelector == ["topology.kubernetes.io/zone": "eu-west-1a"])
        #expect(p.tolerations?.count == 2)
        #expect(p.affinity != nil)
        guard case .container(let c) = flow.tasks[0].runtime else { Issue.record("not a container task"); return }
        #expect(c.security == ContainerSecurity(runAsRoot: true, privilegeEscalation: true, capabilities: ["NET_ADMIN"]))
    }

    @Test func unknownPlacementKey() {
        expectDiagnostic(Self.placement("{nodes: a}"), .unknownKey, line: 6, column: 17, path: "nodes[0].placement.nodes",
                         message: "unknown key 'nodes' in a placement; did you mean 'node'?")
    }

    @Test func nodeSelectorKeyThatIsNotALabelKey() {
        expectDiagnostic(Self.placement("{node_selector: {\"bad key\": x}}"), .invalidValue, line: 6, column: 33,
                         path: "nodes[0].placement.node_selector.bad key", message: "node_selector matches node labels: label key 'bad key' must be")
    }

    @Test func nodeSelectorValueThatIsNotALabelValueIsShownAtTheValue() {
        expectDiagnostic(Self.placement("{node_selector: {zone: \"eu west\"}}"), .invalidValue, line: 6, column: 39,
                         path: "nodes[0].placement.node_selector.zone", message: "the value 'eu west' must be at most 63 letters")
    }

    @Test func nodeSelectorMustBeAMapping() {
        expectDiagnostic(Self.placement("{node_selector: [a]}"), .wrongShape, line: 6, column: 32,
                         path: "nodes[0].placement.node_selector", message: "expected a mapping (node_selector) but found a list")
    }

    @Test func tolerationOperatorAndEffect() {
        let r = Self.placement("{tolerations: [{key: a, operator: Maybe, effect: Never}]}")
        expectDiagnostic(r, .invalidValue, line: 6, column: 50, path: "nodes[0].placement.tolerations[0].operator",
                         message: "toleration operator must be Exists or Equal (found 'Maybe')", only: false)
        expectDiagnostic(r, .invalidValue, line: 6, column: 65, path: "nodes[0].placement.tolerations[0].effect",
                         message: "toleration effect must be NoSchedule, PreferNoSchedule or NoExecute (found 'Never')", only: false)
    }

    @Test func tolerationWithoutKeyMustBeExists() {
        expectDiagnostic(Self.placement("{tolerations: [{operator: Equal, value: x}]}"), .missingKey, line: 6, column: 31,
                         path: "nodes[0].placement.tolerations[0]", message: "a toleration without 'key' must have operator: Exists")
    }

    /// Shown at the value, as other invalid values are.
    @Test func tolerationSecondsOnlyWithNoExecute() {
        expectDiagnostic(Self.placement("{tolerations: [{key: a, effect: NoSchedule, tolerationSeconds: 5}]}"), .invalidValue, line: 6, column: 79,
                         path: "nodes[0].placement.tolerations[0].tolerationSeconds", message: "tolerationSeconds applies only to effect: NoExecute")
    }

    @Test func unknownTolerationKeySuggestsTheKubernetesSpelling() {
        expectDiagnostic(Self.placement("{tolerations: [{key: a, efect: NoSchedule}]}"), .unknownKey, line: 6, column: 40,
                         path: "nodes[0].placement.tolerations[0].efect", message: "did you mean 'effect'?")
    }

    @Test func tolerationsMustBeAList() {
        expectDiagnostic(Self.placement("{tolerations: {key: a}}"), .wrongShape, line: 6, column: 30,
                         path: "nodes[0].placement.tolerations", message: "expected a list of Kubernetes tolerations but found a mapping")
    }

    @Test func affinityKeysAreKubernetesOnes() {
        expectDiagnostic(Self.placement("{affinity: {nodeAfinity: {}}}"), .unknownKey, line: 6, column: 28,
                         path: "nodes[0].placement.affinity.nodeAfinity", message: "did you mean 'nodeAffinity'?")
    }

    @Test func nodeLabelsAreKubernetesLabels() {
        expectDiagnostic(Flow.compile("""
            name: demo
            tasks: {t: {image: b:1, command: [run]}}
            nodes: [{id: n, task: t, labels: {team: "a b"}}]
            """), .invalidValue, line: 3, column: 41, path: "nodes[0].labels.team",
            message: "labels go on the node's pods: label 'team': the value 'a b' must be at most 63 letters")
    }

    @Test func taskLabelKeysAndAnnotationKeysAreKubernetesKeys() {
        let r = Flow.compile("""
            name: demo
            tasks: {t: {image: b:1, command: [run], labels: {"-x": y}, annotations: {"a b": "any text: is fine"}}}
            nodes: [{id: n, task: t}]
            """)
        expectDiagnostic(r, .invalidValue, line: 2, column: 50, path: "tasks.t.labels.-x", message: "label key '-x' must be 1-63", only: false)
        expectDiagnostic(r, .invalidValue, line: 2, column: 74, path: "tasks.t.annotations.a b", message: "annotation key 'a b' must be 1-63", only: false)
        #expect(r.diagnostics.count == 2, "\(r.diagnostics)")
    }

    @Test func securityCapabilityWithCapPrefix() {
        expectDiagnostic(Self.security("{capabilities: [CAP_NET_ADMIN]}"), .invalidValue, line: 3, column: 61,
                         path: "tasks.t.security.capabilities[0]", message: "write the capability without 'CAP_': NET_ADMIN")
    }

    @Test func securityCapabilityThatIsNotAName() {
        expectDiagnostic(Self.security("{capabilities: [net admin]}"), .invalidValue, line: 3, column: 61,
                         path: "tasks.t.security.capabilities[0]", message: "upper-case Linux capability name such as NET_ADMIN (found 'net admin')")
    }

    @Test func securityFlagsAreBooleans() {
        expectDiagnostic(Self.security("{run_as_root: maybe}"), .wrongShape, line: 3, column: 59,
                         path: "tasks.t.security.run_as_root", message: "expected true or false but found the text \"maybe\"")
    }

    @Test func unknownSecurityKey() {
        expectDiagnostic(Self.security("{privileged: true}"), .unknownKey, line: 3, column: 46,
                         path: "tasks.t.security.privileged", message: "unknown key 'privileged' in security settings; expected one of run_as_root, privilege_escalation, capabilities")
    }

    @Test func securityBelongsToContainerTasks() {
        let r = Flow.compile("""
            name: demo
            tasks:
              t: {pod: {containers: [{name: main, image: b:1}]}, security: {run_as_root: true}}
            nodes: [{id: n, task: t}]
            """)
        expectDiagnostic(r, .invalidValue, line: 3, column: 64, path: "tasks.t.security",
                         message: "a pod task takes its containers from 'pod'; remove 'security'")
    }

    @Test func theLocalBackendRefusesSecurity() {
        let r = FlowCompiler.compile("""
            name: demo
            tasks:
              t: {command: [run], security: {capabilities: [NET_ADMIN]}}
            nodes: [{id: n, task: t}]
            """, file: Flow.file, for: .init(capabilities: BackendCapabilities(backend: "local", runtimes: [.hostCommand], gpus: false, secretPaths: true),
                                              secretExists: { _ in true }))
        #expect(r.diagnostics.contains { $0.path == "tasks.t.security" && $0.message.contains("cannot honour 'security'") }, "\(r.diagnostics)")
    }
}
