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
