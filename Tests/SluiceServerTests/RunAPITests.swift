import Foundation
import XCTest

/// Submitting, listing and reading runs over real loopback HTTP, with a real store and real processes.
final class RunAPITests: XCTestCase {
    func testASubmittedFlowRunsToSuccessAndItsTreeHasTheStatusShape() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        XCTAssertEqual(try c.get("/healthz").status, 200)
        XCTAssertEqual(try c.get("/readyz").status, 200)

        let submitted = try c.post("/api/v1/runs", json: ["flow": Flows.hello, "inputs": ["who": "Ada"], "run_id": "h1", "labels": ["team": "ml"]])
        XCTAssertEqual(submitted.status, 201, submitted.text)
        XCTAssertEqual(submitted.json["run"] as? String, "h1")
        XCTAssertEqual(submitted.json["state"] as? String, "queued")

        let tree = try server.waitForRun("h1", in: ["succeeded", "failed"])
        XCTAssertEqual(tree["state"] as? String, "succeeded", "\(tree)")
        XCTAssertEqual(tree["id"] as? String, "h1")
        XCTAssertEqual(tree["flow"] as? String, "hello")
        XCTAssertEqual(tree["outputs"] as? [String: String], ["greeting": "hi Ada"])
        XCTAssertEqual((tree["inputs"] as? [String: Any])?["times"] as? Int, 1, "defaults are filled in")
        XCTAssertNotNil(tree["steps"] as? [Any])
        let greet = try XCTUnwrap(TestServer.node(tree, "greet"))
        XCTAssertEqual(greet["kind"] as? String, "task")
        let attempts = try XCTUnwrap(greet["attempts"] as? [[String: Any]])
        XCTAssertEqual(attempts.first?["state"] as? String, "succeeded")
        XCTAssertEqual(attempts.first?["exit_code"] as? Int, 0)

        server.server.controller.stop()
        let notReady = try c.get("/readyz")
        XCTAssertEqual(notReady.status, 503, "a server that takes no work is not ready")
        XCTAssertEqual(notReady.json["scheduler"] as? String, "stopped")
        XCTAssertEqual(try c.get("/healthz").status, 200)
    }

    func testTheListIsNewestFirstAndPagesWithACursor() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        for i in 1...5 {
            XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Flows.hello, "run_id": "l\(i)"]).status, 201)
            Thread.sleep(forTimeInterval: 0.005)
        }
        var seen: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try c.get("/api/v1/runs?limit=2&flow=hello" + (cursor.map { "&cursor=\($0)" } ?? ""))
            XCTAssertEqual(page.status, 200, page.text)
            seen += (page.json["runs"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            cursor = page.json["next_cursor"] as? String
            pages += 1
        } while cursor != nil && pages < 10
        XCTAssertEqual(seen, ["l5", "l4", "l3", "l2", "l1"])
        XCTAssertEqual(pages, 3)
        XCTAssertEqual((try c.get("/api/v1/runs?flow=other").json["runs"] as? [Any])?.count, 0)

        for i in 1...5 { try server.waitForRun("l\(i)", in: ["succeeded"]) }
        let done = try c.get("/api/v1/runs?state=succeeded,failed&limit=10").json["runs"] as? [[String: Any]] ?? []
        XCTAssertEqual(done.count, 5)
        XCTAssertEqual((try c.get("/api/v1/runs?state=queued").json["runs"] as? [Any])?.count, 0)
    }

    func testEveryErrorHasTheOneShapeAndTheRightStatus() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Flows.hello, "run_id": "e1"]).status, 201)
        try server.waitForRun("e1", in: ["succeeded"])

        let cases: [(String, LoopbackClient.Reply, Int, String, String?)] = [
            ("malformed JSON", try c.post("/api/v1/runs", raw: Data("{\"flow\": ".utf8)), 400, "bad-json", nil),
            ("unknown run", try c.get("/api/v1/runs/nope"), 404, "no-run", nil),
            ("unknown run's events", try c.get("/api/v1/runs/nope/events"), 404, "no-run", nil),
            ("unknown run's gates", try c.get("/api/v1/runs/nope/gates"), 404, "no-run", nil),
            ("abort of an unknown run", try c.post("/api/v1/runs/nope/abort", json: [:]), 404, "no-run", nil),
            ("unknown endpoint", try c.get("/api/v1/nothing"), 404, "not-found", nil),
            ("taken run id", try c.post("/api/v1/runs", json: ["flow": Flows.hello, "run_id": "e1"]), 409, "run-exists", "run_id"),
            ("abort of a finished run", try c.post("/api/v1/runs/e1/abort", json: ["reason": "late"]), 409, "run-finished", nil),
            ("too large a body", try c.post("/api/v1/runs", raw: Data(repeating: 0x20, count: 2 << 20)), 413, "body-too-large", nil),
            ("a flow that does not compile", try c.post("/api/v1/runs", json: ["flow": "name: Bad_Name\nnodes: []\n"]), 422, "invalid-flow", "flow"),
            ("an input of the wrong type", try c.post("/api/v1/runs", json: ["flow": Flows.hello, "inputs": ["times": "many"]]), 422, "invalid-input", "times"),
            ("an unknown input", try c.post("/api/v1/runs", json: ["flow": Flows.hello, "inputs": ["whom": "x"]]), 422, "unknown-input", "whom"),
            ("no flow at all", try c.post("/api/v1/runs", json: ["inputs": [:]]), 422, "missing-field", "flow"),
            ("a bad run id", try c.post("/api/v1/runs", json: ["flow": Flows.hello, "run_id": "a b"]), 422, "invalid-run-id", "run_id"),
            ("an unknown state filter", try c.get("/api/v1/runs?state=sleeping"), 422, "invalid-query", "state"),
            ("a bad limit", try c.get("/api/v1/runs?limit=0"), 422, "invalid-query", "limit"),
        ]
        for (what, reply, status, code, field) in cases {
            XCTAssertEqual(reply.status, status, "\(what): \(reply.text)")
            XCTAssertEqual(reply.error["code"] as? String, code, "\(what): \(reply.text)")
            XCTAssertFalse((reply.error["message"] as? String ?? "").isEmpty, "\(what): \(reply.text)")
            XCTAssertEqual(reply.error["field"] as? String, field, "\(what): \(reply.text)")
            XCTAssertTrue(reply.headers["content-type"]?.hasPrefix("application/json") == true, what)
        }
        let invalid = try c.post("/api/v1/runs", json: ["flow": "name: Bad_Name\nnodes: []\n"])
        XCTAssertFalse((invalid.error["details"] as? [Any] ?? []).isEmpty, invalid.text)
        let typed = try c.post("/api/v1/runs", json: ["flow": Flows.hello, "inputs": ["times": "many"]])
        XCTAssertTrue((typed.error["message"] as? String ?? "").contains("int"), typed.text)
    }
}
