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

    @Test(.enabled(if: Validator.path != nil || Validator.required, "kubernetes-validate is not installed (scripts/ensure-deps.sh installs it)"))
    func everyRenderedObjectPassesKubernetesValidateStrict() throws {
        guard let validator = Validator.path else {
            Issue.record("kubernetes-validate is missing under CI=true: scripts/ensure-deps.sh installs it into .venv-kube (or set SLUICE_KUBERNETES_VALIDATE)")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-pods-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var files: [String] = []
        for example in Pods.examples {
            let preview = try Pods.preview(example)
            for (i, object) in preview.objects(secrets: true).enumerated() {
                let file = dir.appendingPathComponent("\((example as NSString).deletingPathExtension)-\(i).json")
                try JSONValue.object(object).jsonText.write(to: file, atomically: true, encoding: .utf8)
                files.append(file.path)
            }
            let yaml = dir.appendingPathComponent("\((example as NSString).deletingPathExtension).yaml")
            try preview.yaml(secrets: true).write(to: yaml, atomically: true, encoding: .utf8)
            files.append(yaml.path)
        }
        let (status, output) = try Validator.run(validator, files)
        let bad = output.split(separator: "\n").filter { !($0.hasPrefix("INFO") && $0.contains(" passed ")) }
        #expect(status == 0 && bad.isEmpty, "kubernetes-validate --strict:\n\(bad.prefix(30).joined(separator: "\n"))")
        #expect(output.split(separator: "\n").filter { $0.hasPrefix("INFO") }.count >= files.count)
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
