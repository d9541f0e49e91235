import Foundation
import XCTest

/// Signals of every scalar kind and JSON over HTTP, and a gate that times out.
final class SignalTypesAPITests: XCTestCase {
    static let flow = """
        name: typed
        outputs: {n: i.value, s: t.value, j: j.value}
        nodes:
          - {id: i, gate: {signal: count, type: int}}
          - {id: t, gate: {signal: note, type: string}}
          - {id: j, gate: {signal: config, type: json}}
        """

    func testIntStringAndJSONSignalsAreTypedAndRecorded() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Self.flow, "run_id": "t1"]).status, 201)
        try server.waitForNode("t1", "i", state: "waiting")
        let badInt = try c.post("/api/v1/runs/t1/signals/count", json: ["value": 1.5])
        XCTAssertEqual(badInt.status, 422, badInt.text)
        XCTAssertTrue((badInt.error["message"] as? String ?? "").contains("expected int"), badInt.text)
        XCTAssertEqual(try server.client(as: "eve").post("/api/v1/runs/t1/signals/count", json: ["value": 3, "comment": "three"]).status, 202)
        XCTAssertEqual(try c.post("/api/v1/runs/t1/signals/note", json: ["value": "hello"]).status, 202)
        XCTAssertEqual(try c.post("/api/v1/runs/t1/signals/config", json: ["value": ["lr": 0.01, "layers": [64, 32]]]).status, 202)
        let tree = try server.waitForRun("t1", in: ["succeeded", "failed"])
        XCTAssertEqual(tree["state"] as? String, "succeeded", "\(tree)")
        let outputs = tree["outputs"] as? [String: Any] ?? [:]
        XCTAssertEqual(outputs["n"] as? Int, 3)
        XCTAssertEqual(outputs["s"] as? String, "hello")
        XCTAssertEqual((outputs["j"] as? [String: Any])?["lr"] as? Double, 0.01)
        let gate = TestServer.node(tree, "i")?["gate"] as? [String: Any]
        XCTAssertEqual(gate?["by"] as? String, "eve")
        XCTAssertEqual(gate?["comment"] as? String, "three")
    }

    func testAGateThatTimesOutFailsTheRunAsTimedOut() throws {
        let server = try TestServer()
        defer { server.stop() }
        let flow = """
            name: late
            nodes:
              - {id: hold, gate: {approve: null}, timeout: 1s}
            """
        XCTAssertEqual(try server.client.post("/api/v1/runs", json: ["flow": flow, "run_id": "t2"]).status, 201)
        let tree = try server.waitForRun("t2", in: ["succeeded", "failed", "timed-out"])
        XCTAssertEqual(tree["state"] as? String, "timed-out", "\(tree)")
        XCTAssertEqual(TestServer.node(tree, "hold")?["state"] as? String, "timed-out")
    }
}
