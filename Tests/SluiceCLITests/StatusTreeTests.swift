import Foundation
import Testing

@Suite(.serialized) struct StatusTreeTests {
    /// A map of 30 items whose item 25 fails; the ratio lets the run succeed.
    static func runMapWithALateFailure(_ ws: Workspace) async throws {
        let items = (0..<30).map(String.init).joined(separator: ", ")
        let flow = try ws.write("late.yaml", """
            name: late
            inputs: {xs: {type: list<int>, default: [\(items)]}}
            tasks:
              check:
                command: [sh, -c, "[ {{inputs.x}} -ne 25 ]"]
                inputs: {x: int}
            nodes:
              - {id: m, map: {over: inputs.xs, as: x, task: check, inputs: {x: x}, parallelism: 8, min_success_ratio: 0.9}}
            """)
        let out = try await ws.sluice(["run", flow, "--run-id", "late1", "-o", "json"])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
    }

    @Test func aFailedMapItemIsListedFirstInsteadOfHidingBehindMore() async throws {
        let ws = try Workspace()
        try await Self.runMapWithALateFailure(ws)
        let lines = try await ws.sluice(["status", "late1"]).stdout.split(separator: "\n").map(String.init)
        let items = lines.filter { $0.contains(" m[") }
        #expect(items.first?.contains("m[25]  failed") == true, "\(lines)")
        #expect(items.count == 20)
        #expect(lines.contains { $0.contains("… 10 more (--all lists every one)") }, "\(lines)")
        #expect(lines.contains { $0.contains("(29/30 items, 1 failed)") }, "\(lines)")
    }

    @Test func statusAllListsEveryMapItem() async throws {
        let ws = try Workspace()
        try await Self.runMapWithALateFailure(ws)
        let lines = try await ws.sluice(["status", "late1", "--all"]).stdout.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.contains(" m[") }.count == 30)
        #expect(!lines.contains { $0.contains("more (") })
    }
}
