import Foundation
import Testing

/// `sluice render`: the pods a flow would create, printed without a cluster.
@Suite struct RenderCommandTests {
    @Test func rendersYAMLWithInputsSubstitutedAndNamespaceApplied() async throws {
        let out = try await CLI.run(["render", "examples/hello.yaml", "--input", "who=Ada", "--namespace", "batch"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.hasPrefix("---\n# Pod for node greet\napiVersion: v1\nkind: Pod\n"))
        #expect(out.stdout.contains("  namespace: batch\n"))
        #expect(out.stdout.contains("\"hello \" + \\\"Ada\\\"") || out.stdout.contains("\\\"Ada\\\""), "\(out.stdout)")
        #expect(out.stdout.contains("kind: Secret\n"))
        #expect(out.stdout.contains("restartPolicy: Never"))
    }

    @Test func jsonIsOneListAndSecretsCanBeLeftOut() async throws {
        let out = try await CLI.run(["render", "examples/lung-cancer-detection.yaml", "-o", "json", "--no-secrets"])
        #expect(out.status == 0, "\(out.stderr)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect(list["kind"] as? String == "List")
        let items = try #require(list["items"] as? [[String: Any]])
        #expect(items.count == 3)
        #expect(items.allSatisfy { $0["kind"] as? String == "Pod" })
        let notes = items.compactMap { (($0["metadata"] as? [String: Any])?["annotations"] as? [String: String])?["sluice.dev/render-note"] }
        #expect(notes.contains("map item 0 of 2 shown; the others differ only in site"))
    }

    /// The pod settings `serve`/`run` take shape the rendered pod, and the callback variables are there as the
    /// backend gives them under `serve`.
    @Test func podSettingsAndTheCallbackAreRenderedAsTheBackendWouldCreateThem() async throws {
        let file = try CLI.temporaryFile("""
            name: spot
            tasks:
              t:
                image: busybox
                command: [echo, hi]
                interruptible: true
                retries: 2
                resources: {accelerator: nvidia-a100}
            nodes:
              - {id: n, task: t}
            """)
        let out = try await CLI.run(["render", file.path, "-o", "json", "--run-id", "r1",
                                     "--interruptible-toleration", "cloud.google.com/gke-spot=true:NoSchedule",
                                     "--interruptible-node-selector", "cloud.google.com/gke-spot=true",
                                     "--accelerator-label", "example.com/gpu", "--service-account", "runner"])
        #expect(out.status == 0, "\(out.stderr)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let items = try #require(list["items"] as? [[String: Any]])
        let pod = try #require(items.first { $0["kind"] as? String == "Pod" })
        let spec = try #require(pod["spec"] as? [String: Any])
        let tolerations = spec["tolerations"] as? [[String: Any]] ?? []
        #expect(tolerations.contains { $0["key"] as? String == "cloud.google.com/gke-spot" && $0["value"] as? String == "true" }, "\(tolerations)")
        #expect(tolerations.contains { $0["key"] as? String == "example.com/gpu" }, "\(tolerations)")
        #expect((spec["nodeSelector"] as? [String: String])?["cloud.google.com/gke-spot"] == "true")
        #expect(spec["serviceAccountName"] as? String == "runner")
        let container = try #require((spec["containers"] as? [[String: Any]])?.first)
        let env = container["env"] as? [[String: Any]] ?? []
        #expect(env.contains { $0["name"] as? String == "SLUICE_CALLBACK_URL" && $0["value"] as? String == "{{server}}/api/v1/callbacks/r1/n/1" }, "\(env)")
        let token = env.first { $0["name"] as? String == "SLUICE_CALLBACK_TOKEN" }
        let ref = (token?["valueFrom"] as? [String: Any])?["secretKeyRef"] as? [String: Any]
        #expect(ref?["name"] as? String == "r1-n-1" && ref?["key"] as? String == "token", "\(token ?? [:])")

        let plain = try await CLI.run(["render", file.path, "-o", "json", "--callback-url", "none"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(!plain.stdout.contains("SLUICE_CALLBACK"))
        let bad = try await CLI.run(["render", file.path, "--interruptible-toleration", "k=v:Sometimes"])
        #expect(bad.status == 64 || bad.status == 2, "\(bad.status)")
        #expect(bad.stderr.contains("--interruptible-toleration k=v:Sometimes"), "\(bad.stderr)")
    }

    @Test func aBrokenFlowOrAnUnknownInputExitsTwoWithTheReason() async throws {
        let bad = try await CLI.run(["render", "examples/hello.yaml", "--input", "whom=Ada"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("the flow has no input 'whom'"))
        let file = try CLI.temporaryFile("name: demo\ntasks: {t: {command: [echo]}}\nnodes: [{id: n, task: t}]\n")
        let noImage = try await CLI.run(["render", file.path])
        #expect(noImage.status == 1)
        #expect(noImage.stderr.contains("task 't' has no image"), "\(noImage.stderr)")
    }
}
