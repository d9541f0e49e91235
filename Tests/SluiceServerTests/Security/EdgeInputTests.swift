import Foundation
import XCTest

/// Issue 13, "smaller" and "float overflow": inputs the edge must refuse, with the error shape, before
/// anything is recorded.
final class EdgeInputTests: XCTestCase {
    static let floaty = """
        name: floaty
        inputs:
          f: {type: float}
        nodes:
          - {id: wait, gate: {signal: level, type: float}}
        """

    func testNonFiniteNumbersAreRefusedAt422AndNoRunIsRecorded() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        let raw = Data(#"{"flow": "name: floaty\ninputs:\n  f: {type: float}\nnodes:\n  - {id: wait, gate: {signal: level, type: float}}\n", "run_id": "inf", "inputs": {"f": 1e999}}"#.utf8)
        let submit = try c.post("/api/v1/runs", raw: raw, headers: ["Content-Type": "application/json"])
        XCTAssertTrue(submit.status == 422 || submit.status == 400, submit.text)
        XCTAssertNotNil(submit.error["code"], submit.text)
        XCTAssertEqual(try c.get("/api/v1/runs/inf").status, 404, "a refused submit must record nothing")

        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Self.floaty, "run_id": "fine", "inputs": ["f": 1.5]]).status, 201)
        try server.waitForNode("fine", "wait", state: "waiting")
        let signal = try c.post("/api/v1/runs/fine/signals/level", raw: Data(#"{"value": 1e999}"#.utf8), headers: ["Content-Type": "application/json"])
        XCTAssertTrue(signal.status == 422 || signal.status == 400, signal.text)
        XCTAssertNotNil(signal.error["code"], signal.text)
        XCTAssertEqual(try c.post("/api/v1/runs/fine/signals/level", json: ["value": 2.5]).status, 202, "the refused signal queued nothing")
    }

    func testAWhitespaceRejectCommentBadLabelKeysADeepBodyAndALongURLAreRefusedWithTheErrorShape() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Flows.gates, "run_id": "w"]).status, 201)
        try server.waitForNode("w", "review", state: "waiting")
        let blank = try c.post("/api/v1/runs/w/nodes/review/reject", json: ["comment": "  \n\t "])
        XCTAssertEqual(blank.status, 422, blank.text)
        XCTAssertEqual(blank.error["field"] as? String, "comment")

        for key in ["a\u{0}b", "a=b", "", "-lead", String(repeating: "k", count: 64)] {
            let r = try c.post("/api/v1/runs", json: ["flow": Flows.gates, "labels": [key: "v"]])
            XCTAssertEqual(r.status, 422, "key \(key.debugDescription): \(r.text)")
            XCTAssertEqual(r.error["code"] as? String, "invalid-label", r.text)
        }
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Flows.gates, "labels": ["team": "a b"]]).status, 422)
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Flows.gates, "labels": ["example.com/team": "ml"]]).status, 201)

        let deep = Data((String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)).utf8)
        let tooDeep = try c.post("/api/v1/runs", raw: deep, headers: ["Content-Type": "application/json"])
        XCTAssertEqual(tooDeep.status, 422, tooDeep.text)
        XCTAssertEqual(tooDeep.error["code"] as? String, "too-deep")
        XCTAssertTrue((tooDeep.error["message"] as? String ?? "").contains("deeper than"), tooDeep.text)

        let long = try c.get("/api/v1/runs?flow=" + String(repeating: "x", count: 20_000))
        XCTAssertEqual(long.status, 414, long.text)
        XCTAssertEqual(long.error["code"] as? String, "uri-too-long")
    }
}
