import Foundation
import SluiceKube
import SluiceModel
import Testing
@testable import SluiceRuntime

/// `sluice render`'s walk over a flow: what stands in for values that exist only at run time.
@Suite struct PodPreviewTests {
    static let flow = """
        name: demo
        inputs: {n: {type: int, default: 2}, names: {type: list<string>, default: []}}
        tasks:
          split:
            image: b:1
            command: [split, "{{inputs.n}}"]
            inputs: {n: int}
            outputs: {parts: list<string>}
          work:
            image: b:1
            command: [work, "{{inputs.part}}"]
            inputs: {part: string}
            outputs: {y: int}
        nodes:
          - {id: split, task: split, inputs: {n: inputs.n}}
          - {id: each, map: {over: split.parts, as: part, task: work, inputs: {part: part}}}
          - {id: none, map: {over: inputs.names, task: work, inputs: {part: item}}}
          - {id: wait, gate: {sleep: 1m}}
        """

    @Test func aMapOverAnUpstreamListShowsItsFirstItemAsAPlaceholder() throws {
        let preview = try PodPreview(try Pods.flow(Self.flow), inputs: ["n": .int(2), "names": .list([])],
                                     settings: KubePodSettings(namespace: "ns"), runID: "r1")
        #expect(preview.entries.map(\.node) == ["split", "each[0]"])
        let each = try #require(preview.entries.last)
        #expect(Pods.container(each.plan)?["command"] == ["work", "{{nodes.split.outputs.parts[0]}}"])
        #expect(each.note == "map item 0 shown; the list is known only at run time")
        #expect(preview.notes == ["none: maps over an empty list; no pods", "wait: a gate; runs no pod"])
        #expect(Pods.container(preview.entries[0].plan)?["command"] == ["split", "2"])
    }

    @Test func yamlPutsANoteAboveEachObjectAndQuotesWhatYAMLWouldMisread() throws {
        let preview = try PodPreview(try Pods.flow(Self.flow), inputs: ["n": .int(2), "names": .list([])],
                                     settings: KubePodSettings(namespace: "ns"), runID: "r1")
        let yaml = preview.yaml(secrets: false)
        #expect(yaml.hasPrefix("# none: maps over an empty list; no pods\n# wait: a gate; runs no pod\n---\n# Pod for node split\napiVersion: v1\n"))
        #expect(yaml.contains("        - \"2\"\n"), "a number-like string stays a string")
        #expect(yaml.contains("    sluice.dev/attempt: \"1\"\n"))
        #expect(!yaml.contains("kind: Secret"))
        #expect(KubeYAML.scalar("true") == "\"true\"")
        #expect(KubeYAML.scalar("a: b") == "\"a: b\"")
        #expect(KubeYAML.scalar("/sluice/outputs.json") == "/sluice/outputs.json")
    }
}
