import Foundation
import SluiceEngine
import SluiceKube
import SluiceModel
import Testing
@testable import SluiceRuntime

/// How one attempt becomes a pod and its Secret, field by field, without a cluster.
@Suite struct PodPlanTests {
    static let simple = """
            image: busybox:1.36
            command: [sh, -c, "echo {{inputs.x | shell}}"]
            inputs: {x: {type: string, default: a}}
        """

    @Test func aContainerTaskBecomesThisPod() throws {
        let spec = try Pods.spec(task: Self.simple, inputs: ["x": .string("hi")])
        let plan = try PodPlan(spec, environment: ["SLUICE_CALLBACK_URL": "http://sluice:8080/cb", "SLUICE_CALLBACK_TOKEN": "tok"],
                               settings: Pods.settings)
        let expected: JSONObject = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": "r1-n-1", "namespace": "batch",
                "labels": ["sluice.dev/attempt": "1", "sluice.dev/flow": "demo", "sluice.dev/managed": "true", "sluice.dev/node": "n",
                           "sluice.dev/purpose": "run", "sluice.dev/run": "r1", "sluice.dev/store": "s1"],
                "annotations": ["sluice.dev/node-id": "n", "sluice.dev/run-id": "r1"],
            ],
            "spec": [
                "containers": [[
                    "name": "task", "image": "busybox:1.36", "command": ["sh", "-c", "echo 'hi'"],
                    "env": [
                        ["name": "SLUICE_RUN_ID", "value": "r1"], ["name": "SLUICE_NODE_ID", "value": "n"],
                        ["name": "SLUICE_ATTEMPT", "value": "1"], ["name": "SLUICE_INPUTS", "value": "/sluice/in/inputs.json"],
                        ["name": "SLUICE_OUTPUTS", "value": "/sluice/outputs.json"],
                        ["name": "SLUICE_CALLBACK_URL", "value": "http://sluice:8080/cb"],
                        ["name": "SLUICE_CALLBACK_TOKEN", "valueFrom": ["secretKeyRef": ["name": "r1-n-1", "key": "token"]]],
                    ],
                    "volumeMounts": [["name": "sluice", "mountPath": "/sluice"],
                                     ["name": "sluice-in", "mountPath": "/sluice/in", "readOnly": true]],
                    "terminationMessagePath": "/sluice/outputs.json", "terminationMessagePolicy": "File",
                    "securityContext": ["allowPrivilegeEscalation": false, "capabilities": ["drop": ["ALL"]]],
                ]],
                "volumes": [["name": "sluice", "emptyDir": [:]],
                            ["name": "sluice-in", "secret": ["secretName": "r1-n-1", "items": [["key": "inputs.json", "path": "inputs.json"]]]]],
                "securityContext": ["seccompProfile": ["type": "RuntimeDefault"], "runAsNonRoot": true, "runAsUser": 65532,
                                    "runAsGroup": 65532, "fsGroup": 65532],
                "automountServiceAccountToken": false,
                "restartPolicy": "Never",
            ],
        ]
        let diff = Pods.differences(.object(expected), .object(plan.pod))
        #expect(diff.isEmpty, "\(diff.joined(separator: "\n"))")
        #expect(plan.podName == "r1-n-1")
        #expect(plan.secret["metadata"]?["name"] == "r1-n-1")
        #expect(plan.secret["data"]?["token"]?.stringValue == Data("tok".utf8).base64EncodedString())
        #expect(plan.secret["data"]?["inputs.json"]?.stringValue == Data(#"{"x":"hi"}"#.utf8).base64EncodedString())
        #expect(!plan.pod.description.contains("\"tok\""), "the token is never inline")
    }

    @Test func withoutACommandTheArgvGoesToTheImageEntrypointAndARelativeWorkingDirIsUnderSluiceWork() throws {
        let plan = try Pods.plan(task: "    image: registry/tool:2\n    args: [--fast]\n    working_dir: data")
        let c = Pods.container(plan)
        #expect(c?["command"] == nil)
        #expect(c?["args"] == ["--fast"])
        #expect(c?["workingDir"] == "/sluice/work/data")
    }

    @Test func aTaskWithoutImageOrAPluginTaskIsAUserErrorNamingTheTask() throws {
        #expect { try Pods.plan(task: "    command: [echo]") } throws: { e in
            (e as? BackendError).map { $0.kind == .user && $0.message.contains("task 't' has no image") } ?? false
        }
        #expect { try Pods.plan(task: "    type: sql\n    config: {query: select 1}") } throws: { e in
            (e as? BackendError).map { $0.kind == .user && $0.message.contains("plugin task (type: sql)") } ?? false
        }
    }

    @Test func oneSideOfRequestsAndLimitsIsCopiedAndGPUsAreWholeAndEqual() throws {
        let plan = try Pods.plan(task: """
                image: busybox:1.36
                command: [run]
                resources: {requests: {cpu: 500m}, limits: {memory: 1Gi, ephemeral_storage: 2Gi, gpu: 2}}
            """)
        let r = Pods.container(plan)?["resources"]
        #expect(r?["requests"] == ["cpu": "500m", "memory": "1Gi", "ephemeral-storage": "2Gi", "nvidia.com/gpu": "2"])
        #expect(r?["limits"] == ["cpu": "500m", "memory": "1Gi", "ephemeral-storage": "2Gi", "nvidia.com/gpu": "2"])
        #expect(plan.pod["spec"]?["tolerations"] == [["key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"]])
    }

    @Test func anAcceleratorIsRequiredNodeAffinityPlusAMatchingTolerationAndShmIsAMemoryVolume() throws {
        let plan = try Pods.plan(task: """
                image: busybox:1.36
                command: [run]
                resources: {accelerator: nvidia-a100, shm: 2Gi}
            """)
        let spec = plan.pod["spec"]
        let terms = spec?["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"]
        #expect(terms == [["matchExpressions": [["key": "nvidia.com/gpu.product", "operator": "In", "values": ["nvidia-a100"]]]]])
        #expect(spec?["tolerations"] == [["key": "nvidia.com/gpu.product", "operator": "Equal", "value": "nvidia-a100", "effect": "NoSchedule"]])
        #expect(spec?["volumes"]?.arrayValue?.contains(["name": "sluice-shm", "emptyDir": ["medium": "Memory", "sizeLimit": "2Gi"]]) == true)
        #expect(Pods.container(plan)?["volumeMounts"]?.arrayValue?.contains(["name": "sluice-shm", "mountPath": "/dev/shm"]) == true)
    }

    @Test func placementBecomesNodeSelectorAffinityAndTolerations() throws {
        let plan = try Pods.plan(task: Self.simple, node: """
            {id: n, task: t, placement: {node: edge-1, node_selector: {zone: eu-1}, tolerations: [{key: dedicated, operator: Equal, value: ml, effect: NoSchedule}],
                     affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 10, podAffinityTerm: {topologyKey: kubernetes.io/hostname}}]}}}}
            """)
        let spec = plan.pod["spec"]
        #expect(spec?["nodeSelector"] == ["zone": "eu-1", "kubernetes.io/hostname": "edge-1"])
        #expect(spec?["tolerations"] == [["effect": "NoSchedule", "key": "dedicated", "operator": "Equal", "value": "ml"]])
        #expect(spec?["affinity"]?["podAntiAffinity"]?["preferredDuringSchedulingIgnoredDuringExecution"]?.arrayValue?.count == 1)
    }

    @Test func interruptibleAttemptsGetTheSpotSettingsAndTheLastAttemptDoesNot() throws {
        var settings = Pods.settings
        settings.interruptibleTolerations = [["key": "spot", "operator": "Exists", "effect": "NoSchedule"]]
        settings.interruptibleNodeSelector = ["pool": "spot"]
        var spec = try Pods.spec(task: Self.simple + "\n    interruptible: true\n    retries: {attempts: 3}")
        #expect(spec.interruptible)
        let spot = try PodPlan(spec, environment: [:], settings: settings)
        #expect(spot.pod["spec"]?["nodeSelector"] == ["pool": "spot"])
        #expect(spot.pod["spec"]?["tolerations"] == [["key": "spot", "operator": "Exists", "effect": "NoSchedule"]])
        spec.interruptible = false
        let regular = try PodPlan(spec, environment: [:], settings: settings)
        #expect(regular.pod["spec"]?["nodeSelector"] == nil)
        #expect(regular.pod["spec"]?["tolerations"] == nil)
    }

    @Test func securityIsLoosenedOnlyByWhatTheTaskSays() throws {
        let plan = try Pods.plan(task: """
                image: busybox:1.36
                command: [run]
                read_only: true
                security: {run_as_root: true, privilege_escalation: true, capabilities: [NET_ADMIN]}
            """)
        #expect(plan.pod["spec"]?["securityContext"] == ["seccompProfile": ["type": "RuntimeDefault"], "runAsNonRoot": false, "runAsUser": 0, "runAsGroup": 0])
        #expect(Pods.container(plan)?["securityContext"] == ["allowPrivilegeEscalation": true, "capabilities": ["drop": ["ALL"], "add": ["NET_ADMIN"]],
                                                            "readOnlyRootFilesystem": true])
        #expect(Pods.container(plan)?["volumeMounts"]?.arrayValue?.contains(["name": "sluice-tmp", "mountPath": "/tmp"]) == true)
        let user = try Pods.plan(task: "    image: busybox:1.36\n    command: [run]\n    user: \"1000:2000\"")
        #expect(user.pod["spec"]?["securityContext"]?["runAsUser"] == 1000)
        #expect(user.pod["spec"]?["securityContext"]?["runAsGroup"] == 2000)
        #expect { try Pods.plan(task: "    image: busybox:1.36\n    command: [run]\n    user: \"0\"") } throws: { e in
            (e as? BackendError)?.message.contains("security: {run_as_root: true}") == true
        }
        #expect { try Pods.plan(task: "    image: busybox:1.36\n    command: [run]\n    user: nobody") } throws: { e in
            (e as? BackendError)?.message.contains("must be numeric") == true
        }
    }

    @Test func secretsAreReferencedNeverCopied() throws {
        let plan = try Pods.plan(task: """
                image: busybox:1.36
                command: [run]
                secrets: [db-password, {name: api, key: token, env: API_TOKEN}, {name: tls, key: tls.crt, path: /etc/tls/cert.pem}]
            """)
        let env = Pods.env(plan)
        #expect(env["DB_PASSWORD"]?["valueFrom"] == ["secretKeyRef": ["name": "db-password", "key": "db-password"]])
        #expect(env["API_TOKEN"]?["valueFrom"] == ["secretKeyRef": ["name": "api", "key": "token"]])
        #expect(Pods.container(plan)?["volumeMounts"]?.arrayValue?.contains(
            ["name": "secret-2", "mountPath": "/etc/tls/cert.pem", "subPath": "tls.crt", "readOnly": true]) == true)
        #expect(plan.pod["spec"]?["volumes"]?.arrayValue?.contains(["name": "secret-2", "secret": ["secretName": "tls"]]) == true)
        #expect { try Pods.plan(task: "    image: b:1\n    command: [run]\n    secrets: [Bad_Name]") } throws: { e in
            (e as? BackendError)?.message.contains("secrets[0].name 'Bad_Name'") == true
        }
    }

    @Test func idsThatAreNotLabelValuesAreMadeSafeAndTheExactIdsComeBackFromAnnotations() throws {
        let task = try Pods.flow("name: demo\ntasks:\n  t:\n\(Self.simple)\nnodes:\n  - {id: n, task: t}\n").tasks[0]
        let spec = AttemptSpec.preview(runID: "Nightly/42", ref: AttemptRef(node: "sub/train[3]", attempt: 2), task: task,
                                       node: Node(id: "train", kind: .task("t")), inputs: ["x": .string("a")])
        let plan = try PodPlan(spec, environment: [:], settings: Pods.settings)
        let labels = plan.pod["metadata"]?["labels"]?.objectValue
        let node = try #require(labels?["sluice.dev/node"]?.stringValue)
        let run = try #require(labels?["sluice.dev/run"]?.stringValue)
        #expect(RunLabels.problem(key: "sluice.dev/node", value: node) == nil)
        #expect(RunLabels.problem(key: "sluice.dev/run", value: run) == nil)
        #expect(node.hasPrefix("sub-train-3-"))
        let meta = ObjectMeta(object: try #require(plan.pod["metadata"]?.objectValue))
        let ref = try #require(PodPlan.ref(metadata: meta))
        #expect(ref.runID == "Nightly/42")
        #expect(ref.ref == AttemptRef(node: "sub/train[3]", attempt: 2))
        #expect(PodPlan.runSelector("Nightly/42") == "sluice.dev/managed=true,sluice.dev/run=\(run)")
        #expect(PodPlan.ref(labels: ["sluice.dev/managed": "true", "sluice.dev/run": "r1", "sluice.dev/node": "n", "sluice.dev/attempt": "3"])?.ref
            == AttemptRef(node: "n", attempt: 3), "labels alone still work")
    }

    @Test func theRunsLabelsTheStepAndTheTasksAnnotationsGoOnThePodButOursWin() throws {
        let f = try Pods.flow("""
            name: demo
            tasks:
              t:
            \(Self.simple)
                labels: {team: ml, sluice.dev/run: forged}
                annotations: {owner: ada}
            steps:
              - name: Data Preprocessing
                nodes: [{id: n, task: t}]
            """)
        let n = f.workflow.nodes[0]
        let spec = AttemptSpec.preview(runID: "r1", ref: AttemptRef(node: "n", attempt: 1), task: f.tasks[0], node: n.node, inputs: [:])
        #expect(spec.step == "Data Preprocessing")
        var settings = Pods.settings
        settings.runLabels = ["team": "data", "cost-center": "42"]
        let plan = try PodPlan(spec, environment: [:], settings: settings)
        let meta = plan.pod["metadata"]
        #expect(meta?["labels"]?["team"] == "ml", "the task's labels win over the run's")
        #expect(meta?["labels"]?["cost-center"] == "42")
        #expect(meta?["labels"]?["sluice.dev/run"] == "r1")
        #expect(meta?["labels"]?["sluice.dev/step"]?.stringValue?.hasPrefix("data-preprocessing-") == true)
        #expect(meta?["annotations"]?["owner"] == "ada")
    }

    @Test func inputsAreSubstitutedInAPodTemplatesCommandsAndArgs() throws {
        let spec = try Pods.spec(task: """
                inputs: {who: {type: string, default: x}}
                pod:
                  initContainers: [{name: init, image: b:1, command: [prep, "{{inputs.who}}"]}]
                  containers: [{name: main, image: b:1, args: [--who, "{{inputs.who | shell}}"]}]
                primary_container: main
            """, inputs: ["who": .string("Ada")])
        let plan = try PodPlan(spec, environment: [:], settings: Pods.settings)
        #expect(Pods.container(plan)?["args"] == ["--who", "'Ada'"])
        #expect(plan.pod["spec"]?["initContainers"]?.arrayValue?.first?["command"] == ["prep", "Ada"])
    }

    @Test func aPodTemplateThatKubernetesWouldRefuseIsAUserErrorNamingTheField() throws {
        #expect { try Pods.plan(task: "    pod: {initContainers: [{name: i, image: b, command: [true]}], containers: [{name: main, image: b}]}") } throws: { e in
            (e as? BackendError).map { $0.kind == .user && $0.message.contains("task 't': pod.initContainers[0].command must be a list of strings") } ?? false
        }
        #expect { try Pods.plan(task: "    pod: {containers: [{name: main, image: b}, {name: side}]}") } throws: { e in
            (e as? BackendError)?.message.contains("pod.containers[1] has no image") == true
        }
    }

    @Test func aPodTemplateIsMergedUnderOurRules() throws {
        let plan = try Pods.plan(task: """
                pod:
                  restartPolicy: Always
                  containers:
                    - {name: main, image: registry/app:1, command: [serve], env: [{name: MODE, value: fast}, {name: SLUICE_OUTPUTS, value: /x}]}
                    - {name: sidecar, image: registry/proxy:1, securityContext: {runAsUser: 0, runAsNonRoot: false}}
                  volumes: [{name: cache, emptyDir: {}}]
                  tolerations: [{key: team, operator: Exists}]
                  securityContext: {runAsUser: 1234}
                primary_container: main
                resources: {cpu: "1"}
            """)
        let spec = plan.pod["spec"]
        #expect(spec?["restartPolicy"] == "Never")
        let main = Pods.container(plan, 0)
        #expect(main?["command"] == ["serve"])
        #expect(main?["terminationMessagePath"] == "/sluice/outputs.json")
        #expect(main?["resources"]?["limits"]?["cpu"] == "1")
        let env = Pods.env(plan, 0)
        #expect(env["MODE"]?["value"] == "fast")
        #expect(env["SLUICE_OUTPUTS"]?["value"] == "/sluice/outputs.json")
        #expect(Pods.container(plan, 1)?["securityContext"] == ["runAsUser": 0, "runAsNonRoot": false, "allowPrivilegeEscalation": false,
                                                               "capabilities": ["drop": ["ALL"]]])
        #expect(spec?["volumes"]?.arrayValue?.first == ["name": "cache", "emptyDir": [:]])
        #expect(spec?["tolerations"] == [["key": "team", "operator": "Exists"]])
        #expect(spec?["securityContext"] == ["runAsUser": 1234, "seccompProfile": ["type": "RuntimeDefault"], "runAsNonRoot": true,
                                             "runAsGroup": 1234, "fsGroup": 1234], "their user decides the group defaults")
        let root = try Pods.plan(task: "    pod: {containers: [{name: main, image: b}], securityContext: {runAsUser: 0}}")
        #expect(root.pod["spec"]?["securityContext"]?["runAsNonRoot"] == false, "a template that sets root explicitly runs as root")
    }
}
