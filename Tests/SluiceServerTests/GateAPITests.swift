import Foundation
import XCTest

/// Approvals, rejections and signals over HTTP, checked as `sluice approve/signal` checks them.
final class GateAPITests: XCTestCase {
    func testApproveWithACommentAndASignalSentBeforeItsGateFinishTheRun() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Flows.gates, "run_id": "g1"]).status, 201)
        try server.waitForNode("g1", "review", state: "waiting")

        let gates = try c.get("/api/v1/runs/g1/gates").json["gates"] as? [[String: Any]] ?? []
        XCTAssertEqual(gates.map { $0["node"] as? String }, ["review"])
        XCTAssertEqual(gates.first?["kind"] as? String, "approve")

        let wrongType = try c.post("/api/v1/runs/g1/signals/threshold", json: ["value": "high"])
        XCTAssertEqual(wrongType.status, 422, wrongType.text)
        XCTAssertEqual(wrongType.error["code"] as? String, "wrong-type")
        XCTAssertEqual(wrongType.error["field"] as? String, "value")
        XCTAssertTrue((wrongType.error["message"] as? String ?? "").contains("expected float"), wrongType.text)
        XCTAssertEqual(try c.post("/api/v1/runs/g1/signals/other", json: ["value": 1]).status, 404)
        XCTAssertEqual(try c.post("/api/v1/runs/g1/signals/threshold", json: ["comment": "no value"]).status, 422)
        XCTAssertEqual(try c.post("/api/v1/runs/g1/nodes/pick/approve", json: [:]).status, 404, "pick is a signal gate")
        XCTAssertEqual(try c.post("/api/v1/runs/g1/nodes/nope/approve", json: [:]).status, 404)

        // The signal arrives before its gate is reached; the gate takes it when it is.
        let signal = try server.client(as: "bo").post("/api/v1/runs/g1/signals/threshold", json: ["value": 0.75])
        XCTAssertEqual(signal.status, 202, signal.text)
        let noComment = try c.post("/api/v1/runs/g1/nodes/review/reject", json: [:])
        XCTAssertEqual(noComment.status, 422, noComment.text)
        XCTAssertEqual(noComment.error["field"] as? String, "comment")
        let approve = try server.client(as: "ana").post("/api/v1/runs/g1/nodes/review/approve", json: ["comment": "looks fine"])
        XCTAssertEqual(approve.status, 202, approve.text)

        let tree = try server.waitForRun("g1", in: ["succeeded", "failed"])
        XCTAssertEqual(tree["state"] as? String, "succeeded", "\(tree)")
        XCTAssertEqual(tree["outputs"] as? [String: Double], ["threshold": 0.75])
        let review = try XCTUnwrap(TestServer.node(tree, "review")?["gate"] as? [String: Any])
        XCTAssertEqual(review["by"] as? String, "ana")
        XCTAssertEqual(review["comment"] as? String, "looks fine")
        XCTAssertEqual(review["approved"] as? Bool, true)
        XCTAssertEqual(TestServer.node(tree, "pick")?["outputs"] as? [String: Double], ["value": 0.75])
        let late = try c.post("/api/v1/runs/g1/nodes/review/approve", json: [:])
        XCTAssertEqual(late.status, 409)
        XCTAssertEqual(late.error["code"] as? String, "run-finished")
        XCTAssertEqual((try c.get("/api/v1/runs/g1/gates").json["gates"] as? [Any])?.count, 0)
    }

    func testARejectionWithACommentFailsTheRun() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Flows.gates, "run_id": "g2"]).status, 201)
        try server.waitForNode("g2", "review", state: "waiting")
        let reject = try server.client(as: "cy").post("/api/v1/runs/g2/nodes/review/reject", json: ["comment": "not today"])
        XCTAssertEqual(reject.status, 202, reject.text)
        let tree = try server.waitForRun("g2", in: ["succeeded", "failed"])
        XCTAssertEqual(tree["state"] as? String, "failed")
        let review = try XCTUnwrap(TestServer.node(tree, "review")?["gate"] as? [String: Any])
        XCTAssertEqual(review["by"] as? String, "cy")
        XCTAssertEqual(review["approved"] as? Bool, false)
        XCTAssertEqual(review["comment"] as? String, "not today")
    }

    func testAbortStopsAWaitingRun() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Flows.gates, "run_id": "g3"]).status, 201)
        try server.waitForNode("g3", "review", state: "waiting")
        XCTAssertEqual(try server.client(as: "di").post("/api/v1/runs/g3/abort", json: ["reason": "wrong data"]).status, 202)
        let tree = try server.waitForRun("g3", in: ["aborted"])
        XCTAssertTrue((tree["aborted_by"] as? String ?? "").contains("di: wrong data"), "\(tree)")
    }
}
