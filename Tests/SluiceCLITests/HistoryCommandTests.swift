import Foundation
import Testing

/// `history`: a header, durations and labels; `--label` on `run` and `submit`.
@Suite struct HistoryCommandTests {
    @Test func runLabelsShowInHistoryAndStatusAndFilterHistory() async throws {
        let ws = try Workspace()
        let hello = CLI.root.appendingPathComponent("examples/hello.yaml").path
        let labelled = try await ws.sluice(["run", hello, "--run-id", "a1", "--label", "team=vision", "--label", "ticket=ml-42"])
        #expect(labelled.status == 0, "\(labelled.stderr)")
        let plain = try await ws.sluice(["run", hello, "--run-id", "a2"])
        #expect(plain.status == 0, "\(plain.stderr)")
        let queued = try await ws.sluice(["submit", hello, "--run-id", "q1", "--label", "team=vision"])
        #expect(queued.status == 0, "\(queued.stderr)")

        let history = try await ws.sluice(["history"])
        let lines = history.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.range(of: #"^RUN +FLOW +STATE +STARTED +DURATION +LABELS$"#, options: .regularExpression) != nil, "\(history.stdout)")
        let a1 = try #require(lines.first { $0.hasPrefix("a1 ") })
        #expect(a1.contains("succeeded") && a1.hasSuffix("team=vision,ticket=ml-42"), "\(a1)")
        #expect(a1.range(of: #"\d+(ms|\.\ds)"#, options: .regularExpression) != nil, "\(a1)")
        #expect(lines.first { $0.hasPrefix("a2 ") }?.hasSuffix("-") == true, "\(lines)")

        let filtered = try await ws.sluice(["history", "--label", "team=vision", "-o", "json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(filtered.stdout.utf8)) as? [[String: Any]])
        #expect(Set(rows.compactMap { $0["id"] as? String }) == ["a1", "q1"], "\(filtered.stdout)")
        #expect((rows.first { $0["id"] as? String == "a1" }?["labels"] as? [String: String]) == ["team": "vision", "ticket": "ml-42"])
        #expect(rows.first { $0["id"] as? String == "a1" }?["duration_ms"] is NSNumber)

        let status = try await ws.sluice(["status", "a1"])
        #expect(status.stdout.hasPrefix("run a1  succeeded") && status.stdout.contains("team=vision,ticket=ml-42"), "\(status.stdout)")
        let json = try JSONSerialization.jsonObject(with: Data(try await ws.sluice(["status", "a1", "-o", "json"]).stdout.utf8)) as? [String: Any]
        #expect(json?["labels"] as? [String: String] == ["team": "vision", "ticket": "ml-42"])
    }

    @Test func aBadLabelIsRefusedBeforeAnythingIsRecorded() async throws {
        let ws = try Workspace()
        let hello = CLI.root.appendingPathComponent("examples/hello.yaml").path
        let noValue = try await ws.sluice(["run", hello, "--label", "team"])
        #expect(noValue.status == 2 && noValue.stderr.contains("expected KEY=VALUE"), "\(noValue.stderr)")
        let badKey = try await ws.sluice(["run", hello, "--label", "bad key=x"])
        #expect(badKey.status == 2 && badKey.stderr.contains("label key 'bad key'"), "\(badKey.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ws.store))
    }
}
