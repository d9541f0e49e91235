import Foundation
import XCTest

/// Retrying a failed run: a new run that reuses what succeeded and runs the rest again.
final class RetryTests: XCTestCase {
    /// `a` counts its runs in `marker`; `b` fails until `fix` exists; `c` needs both.
    static func flakyChain(marker: String, fix: String) -> String {
        """
        name: flaky
        inputs:
          word: {type: string, default: w}
        outputs: {out: c.value}
        tasks:
          count:
            command: [sh, -c, "echo ran >> \(marker); printf '{\\"value\\": \\"%s\\"}' '{{inputs.word}}' > $SLUICE_OUTPUTS"]
            inputs: {word: string}
            outputs: {value: string}
          check:
            command: [sh, -c, "test -f \(fix) || { echo 'not fixed' >&2; exit 3; }; printf '{\\"value\\": \\"%s!\\"}' '{{inputs.word}}' > $SLUICE_OUTPUTS"]
            inputs: {word: string}
            outputs: {value: string}
        nodes:
          - {id: a, task: count, inputs: {word: inputs.word}}
          - {id: b, task: check, inputs: {word: a.value}}
          - {id: c, task: check, inputs: {word: b.value}}
        """
    }

    func testARetryReusesSucceededNodesAndRunsTheFailedOnesAgain() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("retry-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let marker = dir + "/marker", fix = dir + "/fix"
        let flow = Self.flakyChain(marker: marker, fix: fix)
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": flow, "inputs": ["word": "hey"], "run_id": "old"]).status, 201)
        XCTAssertEqual(try server.waitForRun("old", in: ["failed", "succeeded"])["state"] as? String, "failed")

        _ = FileManager.default.createFile(atPath: fix, contents: Data())
        let retried = try c.post("/api/v1/runs/old/retry", json: [String: Any]())
        XCTAssertEqual(retried.status, 201, retried.text)
        XCTAssertEqual(retried.json["state"] as? String, "queued")
        XCTAssertEqual(retried.json["retry_of"] as? String, "old")
        XCTAssertEqual(retried.json["reused"] as? [String], ["a"])
        let id = try XCTUnwrap(retried.json["run"] as? String)
        XCTAssertNotEqual(id, "old")

        let tree = try server.waitForRun(id, in: ["failed", "succeeded"])
        XCTAssertEqual(tree["state"] as? String, "succeeded", "\(tree)")
        XCTAssertEqual(tree["outputs"] as? [String: String], ["out": "hey!!"])
        let a = try XCTUnwrap(TestServer.node(tree, "a"))
        XCTAssertEqual(a["state"] as? String, "succeeded")
        XCTAssertTrue("\(a)".contains("reused from old"), "\(a)")
        let lines = try String(contentsOfFile: marker, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "a succeeded before and is not run again")
        let runs = try c.get("/api/v1/runs").json["runs"] as? [[String: Any]] ?? []
        XCTAssertEqual(runs.count, 2)
        XCTAssertEqual(runs.first { $0["id"] as? String == id }?["parent_run_id"] as? String, "old")
    }

    func testOnlyAFailedRunCanBeRetried() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Flows.hello, "run_id": "fine"]).status, 201)
        try server.waitForRun("fine", in: ["succeeded"])
        let refused = try c.post("/api/v1/runs/fine/retry", json: [String: Any]())
        XCTAssertEqual(refused.status, 409, refused.text)
        XCTAssertEqual(refused.error["code"] as? String, "not-failed")
        let missing = try c.post("/api/v1/runs/nope/retry", json: [String: Any]())
        XCTAssertEqual(missing.status, 404)
        let viewer = try server.client(as: "v", role: .viewer)
        XCTAssertEqual(try viewer.post("/api/v1/runs/fine/retry", json: [String: Any]()).status, 403)
    }
}
