import Foundation
import XCTest

/// Issue 13: the pending-gates listing labelled a nested gate by a suffix match (`sub/hold` shown as the
/// top-level `hold`) and scanned the flow once per waiting node.
final class GateListingTests: XCTestCase {
    static let flow = """
        name: twoholds
        workflows:
          inner:
            nodes:
              - {id: hold, gate: {signal: inner-go, type: int}}
        nodes:
          - {id: hold, gate: {approve: null, message: "top"}}
          - {id: sub, workflow: inner}
        """

    func testANestedGateIsListedAsItselfBesideATopLevelGateOfTheSameName() throws {
        let server = try TestServer()
        defer { server.stop() }
        XCTAssertEqual(try server.client.post("/api/v1/runs", json: ["flow": Self.flow, "run_id": "two"]).status, 201)
        try server.waitForNode("two", "sub/hold", state: "waiting")
        try server.waitForNode("two", "hold", state: "waiting")
        let gates = try server.client.get("/api/v1/runs/two/gates").json["gates"] as? [[String: Any]] ?? []
        XCTAssertEqual(gates.map { $0["node"] as? String }, ["hold", "sub/hold"])
        XCTAssertEqual(gates.map { $0["kind"] as? String }, ["approve", "signal"])
        XCTAssertEqual(gates.last?["signal"] as? String, "inner-go")
        XCTAssertEqual(gates.first?["message"] as? String, "top")
        // The nested one is a signal gate: approving it by its id is refused for what it is.
        XCTAssertEqual(try server.client.post("/api/v1/runs/two/nodes/sub%2Fhold/approve", json: [:]).status, 404)
    }

    func testThreeThousandWaitingGatesAreListedInNodeOrder() throws {
        let server = try TestServer()
        defer { server.stop() }
        var nodes = ""
        for i in 0..<3000 { nodes += "  - {id: g\(i), gate: {approve: null}}\n" }
        let flow = "name: many\nnodes:\n" + nodes
        XCTAssertEqual(try server.client.post("/api/v1/runs", json: ["flow": flow, "run_id": "many"]).status, 201)
        try server.waitForNode("many", "g2999", state: "waiting", timeout: 120)
        let gates = try server.client.get("/api/v1/runs/many/gates").json["gates"] as? [[String: Any]] ?? []
        XCTAssertEqual(gates.count, 3000)
        XCTAssertEqual(gates.prefix(3).map { $0["node"] as? String }, ["g0", "g1", "g2"])
        XCTAssertEqual(gates.last?["node"] as? String, "g2999")
    }
}
