import Foundation
import XCTest

/// Events as a JSON page and as server-sent events resumable with `Last-Event-ID`.
final class EventStreamTests: XCTestCase {
    func testAClientThatReconnectsWithLastEventIDMissesNoEventAndSeesNoneTwice() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Flows.signalThenTask, "run_id": "s1"]).status, 201)

        let first = try EventStreamReader(port: server.port, path: "/api/v1/runs/s1/events/stream", token: server.adminToken)
        XCTAssertEqual(first.status, 200)
        var received: [Int64] = []
        while let e = first.next() {
            received.append(e.id)
            if e.data["kind"] as? String == "gate-waiting" { break }
        }
        first.close()
        XCTAssertFalse(received.isEmpty)

        // Events keep coming while nobody listens.
        XCTAssertEqual(try c.post("/api/v1/runs/s1/signals/go", json: ["value": "now"]).status, 202)
        try server.waitForRun("s1", in: ["succeeded"])

        let second = try EventStreamReader(port: server.port, path: "/api/v1/runs/s1/events/stream", lastEventID: received.last, token: server.adminToken)
        while let e = second.next() { received.append(e.id) }
        second.close()

        let page = try c.get("/api/v1/runs/s1/events")
        XCTAssertEqual(page.status, 200)
        let all = (page.json["events"] as? [[String: Any]] ?? []).compactMap { ($0["seq"] as? NSNumber)?.int64Value }
        XCTAssertGreaterThan(all.count, 5)
        XCTAssertEqual(received, all, "every event exactly once, in order")

        let after = try c.get("/api/v1/runs/s1/events?after=\(all[2])")
        XCTAssertEqual((after.json["events"] as? [Any])?.count, all.count - 3)
        XCTAssertEqual(try EventStreamReader(port: server.port, path: "/api/v1/runs/nope/events/stream", token: server.adminToken).status, 404)
    }
}
