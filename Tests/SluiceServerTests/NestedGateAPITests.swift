import Foundation
import XCTest

/// Gates inside a subflow are addressed with their qualified id, percent-encoded in the path.
final class NestedGateAPITests: XCTestCase {
    static let flow = """
        name: nested
        workflows:
          inner:
            nodes:
              - {id: hold, gate: {approve: null}}
        nodes:
          - {id: sub, workflow: inner}
        """

    func testAGateInsideASubflowIsApprovedByItsQualifiedID() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Self.flow, "run_id": "n1"]).status, 201)
        try server.waitForNode("n1", "sub/hold", state: "waiting")
        let approve = try server.client(as: "dee").post("/api/v1/runs/n1/nodes/sub%2Fhold/approve", json: ["comment": "fine"])
        XCTAssertEqual(approve.status, 202, approve.text)
        let tree = try server.waitForRun("n1", in: ["succeeded", "failed"])
        XCTAssertEqual(tree["state"] as? String, "succeeded", "\(tree)")
        XCTAssertEqual((TestServer.node(tree, "sub/hold")?["gate"] as? [String: Any])?["by"] as? String, "dee")
    }
}
