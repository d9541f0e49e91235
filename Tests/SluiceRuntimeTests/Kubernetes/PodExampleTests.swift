import Foundation
import SluiceKube
import SluiceModel
import Testing
@testable import SluiceRuntime

/// The pods of every shipped example: compared field by field with the expected objects in
/// `Tests/Fixtures/pods/<example>.json` (a `v1 List`, as `sluice render -o json --run-id r1 --namespace sluice`
/// prints it), and every object validated with `kubernetes-validate --strict`. After a deliberate change,
/// `SLUICE_UPDATE_PODS=1 swift test --skip-build --filter PodExampleTests` rewrites the fixtures: review the diff.
@Suite struct PodExampleTests {
    static let fixtures = Pods.root.appendingPathComponent("Tests/Fixtures/pods")

    @Test(arguments: Pods.examples)
    func podsOfEachExampleMatchTheExpectedObjects(_ example: String) throws {
        let preview = try Pods.preview(example)
        let actual = JSONValue.array(preview.objects(secrets: true).map { .object($0) })
        let file = Self.fixtures.appendingPathComponent((example as NSString).deletingPathExtension + ".json")
        if ProcessInfo.processInfo.environment["SLUICE_UPDATE_PODS"] == "1" {
            try FileManager.default.createDirectory(at: Self.fixtures, withIntermediateDirectories: true)
            try (preview.json(secrets: true) + "\n").write(to: file, atomically: true, encoding: .utf8)
        }
        let data = try Data(contentsOf: file)
        let expected = try JSONValue.parse(Array(data))
        let diff = Pods.differences(expected["items"], actual)
        #expect(diff.isEmpty, "\(example):\n\(diff.prefix(20).joined(separator: "\n"))")
    }

    @Test func theExamplesShowMapsBranchesSubworkflowsAndPlaceholders() throws {
        let lung = try Pods.preview("lung-cancer-detection.yaml")
        #expect(lung.entries.map(\.node) == ["prep[0]", "fit[0]", "package"])
        let fit = try #require(lung.entries.first { $0.node == "fit[0]" })
        #expect(fit.plan.pod["spec"]?["nodeSelector"] == ["kubernetes.io/hostname": "hospital-a-edge"])
        #expect(fit.note == "map item 0 of 2 shown; the others differ only in site")
        #expect(Pods.container(fit.plan)?["args"] == nil)
        #expect(Pods.container(fit.plan)?["command"] == ["train", "--site", "hospital-a", "--epochs", "100"])
        #expect(lung.notes == ["review: a gate; runs no pod"])
        let package = try #require(lung.entries.first { $0.node == "package" }?.plan.secret["data"]?["inputs.json"]?.stringValue)
        #expect(String(decoding: Data(base64Encoded: package) ?? Data(), as: UTF8.self) == #"{"losses":"{{nodes.review.outputs.value}}"}"#)
        let sub = try Pods.preview("subworkflow.yaml")
        #expect(sub.entries.contains { $0.node.contains("/") && $0.note?.contains("in subworkflow") == true })
        let branching = try Pods.preview("branching.yaml")
        #expect(branching.entries.contains { $0.note?.hasPrefix("branch case 1 of") == true })
    }

    /// Every feature of the builder at once, so the validator sees each field we can emit.
    static let everything = """
        name: everything
        inputs: {n: {type: int, default: 3}}
        tasks:
          gpu:
            image: registry.example.com/train:1
            args: [--epochs, "{{inputs.n}}"]
            working_dir: out
            ports: [8080]
            user: "1000:1000"
            read_only: true
            security: {privilege_escalation: true, capabilities: [NET_ADMIN, SYS_PTRACE]}
            env: {MODE: fast}
            secrets: [db-password, {name: tls, key: tls.crt, path: /etc/tls/cert.pem}, {name: api, key: token, env: API_TOKEN}]
            inputs: {n: int}
            resources: {requests: {cpu: 500m, memory: 1Gi, ephemeral_storage: 1Gi}, limits: {cpu: "2", gpu: 1}, accelerator: nvidia-a100, shm: 1Gi}
            labels: {team: ml}
            annotations: {owner: ada@example.com}
            interruptible: true
            retries: 3
          root:
            image: registry.example.com/net:1
            command: [setup]
            security: {run_as_root: true}
          sidecar:
            pod:
              initContainers: [{name: init, image: busybox:1.36, command: ["true"]}]
              containers:
                - {name: main, image: registry.example.com/app:1, command: [serve], env: [{name: A, value: b}]}
                - {name: proxy, image: registry.example.com/proxy:1, securityContext: {runAsUser: 1337}}
              volumes: [{name: cache, emptyDir: {}}]
              tolerations: [{key: team, operator: Exists}]
            primary_container: main
            resources: {cpu: "1", memory: 512Mi}
            revert: {command: [undo]}
        nodes:
          - id: train
            task: gpu
            inputs: {n: inputs.n}
            placement:
              node_selector: {topology.kubernetes.io/zone: eu-west-1a}
              tolerations: [{key: dedicated, operator: Equal, value: ml, effect: NoExecute, tolerationSeconds: 60}]
              affinity:
                nodeAffinity:
                  requiredDuringSchedulingIgnoredDuringExecution:
                    nodeSelectorTerms: [{matchExpressions: [{key: pool, operator: In, values: [gpu]}]}]
                podAntiAffinity:
                  preferredDuringSchedulingIgnoredDuringExecution: [{weight: 50, podAffinityTerm: {topologyKey: kubernetes.io/hostname}}]
          - {id: net, task: root, placement: {node: edge-1}}
          - {id: web, task: sidecar}
        """

    @Test func everyFeatureRendersAsExpected() async throws {
        let f = try Pods.flow(Self.everything)
        var settings = KubePodSettings(namespace: "sluice", serviceAccountName: "tasks")
        settings.interruptibleTolerations = [["key": "cloud.google.com/gke-spot", "operator": "Equal", "value": "true", "effect": "NoSchedule"]]
        settings.interruptibleNodeSelector = ["cloud.google.com/gke-spot": "true"]
        let preview = try PodPreview(f, inputs: ["n": .int(3)], settings: settings, runID: "r1")
        let train = try #require(preview.entries.first { $0.node == "train" }?.plan)
        let terms = train.pod["spec"]?["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"]
        #expect(terms == [["matchExpressions": [["key": "pool", "operator": "In", "values": ["gpu"]],
                                                ["key": "nvidia.com/gpu.product", "operator": "In", "values": ["nvidia-a100"]]]]])
        #expect(train.pod["spec"]?["nodeSelector"] == ["cloud.google.com/gke-spot": "true", "topology.kubernetes.io/zone": "eu-west-1a"])
        #expect(train.pod["spec"]?["serviceAccountName"] == "tasks")
        #expect(Pods.container(train)?["args"] == ["--epochs", "3"])
        #expect(Pods.container(train)?["resources"]?["limits"] == ["cpu": "2", "memory": "1Gi", "ephemeral-storage": "1Gi", "nvidia.com/gpu": "1"])
        let web = try #require(preview.entries.first { $0.node == "web" }?.plan)
        #expect(web.pod["spec"]?["initContainers"]?.arrayValue?[0]["securityContext"]?["allowPrivilegeEscalation"] == false)
        #expect(Pods.container(web, 1)?["securityContext"]?["runAsUser"] == 1337)
        #expect(try await Self.validate(preview.objects(secrets: true), yaml: preview.yaml(secrets: true)), "see the validator's output above")
    }

    /// Runs the validator over these objects (one JSON file each) and the YAML text; records what it refuses.
    static func validate(_ objects: [JSONObject], yaml: String) async throws -> Bool {
        guard let validator = Validator.path else {
            if Validator.required { Issue.record("kubernetes-validate is missing under CI=true: scripts/ensure-deps.sh installs it into .venv-kube") }
            return true
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-pods-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var files: [String] = []
        for (i, object) in objects.enumerated() {
            let file = dir.appendingPathComponent("object-\(i).json")
            try JSONValue.object(object).jsonText.write(to: file, atomically: true, encoding: .utf8)
            files.append(file.path)
        }
        let text = dir.appendingPathComponent("all.yaml")
        try yaml.write(to: text, atomically: true, encoding: .utf8)
        files.append(text.path)
        let paths = files
        let (status, output) = try await onThread { try Validator.run(validator, paths) }
        let bad = output.split(separator: "\n").filter { !($0.hasPrefix("INFO") && $0.contains(" passed ")) }
        if status != 0 || !bad.isEmpty { Issue.record("kubernetes-validate --strict:\n\(bad.prefix(30).joined(separator: "\n"))") }
        return status == 0 && bad.isEmpty
    }

    @Test(.enabled(if: Validator.path != nil || Validator.required, "kubernetes-validate is not installed (scripts/ensure-deps.sh installs it)"))
    func everyRenderedObjectPassesKubernetesValidateStrict() async throws {
        var objects: [JSONObject] = [], yaml = ""
        for example in Pods.examples {
            let preview = try Pods.preview(example)
            objects += preview.objects(secrets: true)
            yaml += preview.yaml(secrets: true)
        }
        #expect(objects.count >= 20)
        #expect(try await Self.validate(objects, yaml: yaml), "see the validator's output above")
    }
}

/// `kubernetes-validate`: `$SLUICE_KUBERNETES_VALIDATE`, the repository's `.venv-kube` (scripts/ensure-deps.sh
/// and scripts/kube-conformance.sh install it there), or the PATH. Required when `CI=true`.
enum Validator {
    static let schemaVersion = "1.30.0"
    static let required = ProcessInfo.processInfo.environment["CI"] == "true"

    static let path: String? = {
        let env = ProcessInfo.processInfo.environment
        var candidates: [String] = env["SLUICE_KUBERNETES_VALIDATE"].map { [$0] } ?? []
        candidates.append(Pods.root.appendingPathComponent(".venv-kube/bin/kubernetes-validate").path)
        for dir in (env["PATH"] ?? "").split(separator: ":") { candidates.append("\(dir)/kubernetes-validate") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static func run(_ validator: String, _ files: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: validator)
        p.arguments = ["--strict", "-k", schemaVersion] + files
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// Kubernetes expands `$(NAME)` in a container's command and args; a task's argv reaches it as written, as on the
/// local and container backends.
@Suite struct PodCommandLiteralTests {
    @Test func dollarsInATasksArgumentsAreKeptFromKubernetesExpansion() throws {
        let f = try Pods.flow("""
            name: dollars
            inputs: {x: string}
            tasks:
              say: {image: busybox:1.36, command: [echo, "{{inputs.x}}", "$HOME"], inputs: {x: string}}
            nodes:
              - {id: say, task: say, inputs: {x: inputs.x}}
            """)
        let preview = try PodPreview(f, inputs: ["x": .string("$(SLUICE_RUN_ID) costs $$5")], settings: Pods.settings, runID: "r1")
        let plan = try #require(preview.entries.first { $0.node == "say" }?.plan)
        #expect(Pods.container(plan)?["command"] == ["echo", "$$(SLUICE_RUN_ID) costs $$$$5", "$$HOME"])
    }
}
