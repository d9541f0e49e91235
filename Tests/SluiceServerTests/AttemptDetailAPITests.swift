import Foundation
import XCTest

/// `GET /api/v1/runs/{id}/nodes/{node}/attempts/{n}` over HTTP: where an attempt runs, as its backend recorded it;
/// and the `progress` events a task's reports become on the run's event stream.
final class AttemptDetailAPITests: XCTestCase {
    /// Reports progress once, then waits for `go` to exist.
    static func waiter(go: String) -> String {
        """
        name: waiter
        tasks:
          wait:
            command: [sh, -c, "printf '{\\"progress\\": 0.25, \\"message\\": \\"warming up\\", \\"metrics\\": {\\"loss\\": 0.5} }\\n' >> $SLUICE_PROGRESS; while [ ! -e '\(go)' ]; do sleep 0.05; done; echo done"]
        nodes:
          - {id: w, task: wait}
        """
    }

    func testALocalAttemptShowsItsProcessAndFolder() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        let go = server.store + "-go-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: go) }
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Self.waiter(go: go), "run_id": "d1"]).status, 201)
        try server.waitForNode("d1", "w", state: "running")
        // The supervisor records the task's pid as the task starts.
        let running = try c.poll("/api/v1/runs/d1/nodes/w/attempts/1") { ($0["process"] as? [String: Any])?["pid"] != nil }
        XCTAssertEqual(running["backend"] as? String, "local")
        XCTAssertEqual(running["number"] as? Int, 1)
        XCTAssertEqual(running["purpose"] as? String, "run")
        let folder = try XCTUnwrap(running["folder"] as? String)
        XCTAssertTrue(folder.hasSuffix("/d1/w/1"), folder)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/stdout.log"), "the folder is the attempt's: \(folder)")
        let pid = try XCTUnwrap((running["process"] as? [String: Any])?["pid"] as? Int)
        // The pid is this attempt's task: its command line names this test's own go file.
        let cmdline = String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data(), as: UTF8.self)
        XCTAssertTrue(cmdline.contains(go), "pid \(pid) runs \(cmdline.replacingOccurrences(of: "\0", with: " "))")
        XCTAssertNil(running["pod"])
        XCTAssertNil(running["container"])
        XCTAssertNil(running["events"], "events are the Kubernetes backend's")

        XCTAssertTrue(FileManager.default.createFile(atPath: go, contents: nil))
        try server.waitForRun("d1", in: ["succeeded"])
        let ended = try c.get("/api/v1/runs/d1/nodes/w/attempts/1").json
        XCTAssertEqual(ended["state"] as? String, "succeeded")
        XCTAssertEqual((ended["process"] as? [String: Any])?["pid"] as? Int, pid, "the record outlives the process")

        let cases: [(String, LoopbackClient.Reply, Int, String)] = [
            ("an unknown run", try c.get("/api/v1/runs/nope/nodes/w/attempts/1"), 404, "no-run"),
            ("an unknown node", try c.get("/api/v1/runs/d1/nodes/zz/attempts/1"), 404, "no-attempt"),
            ("an attempt that never ran", try c.get("/api/v1/runs/d1/nodes/w/attempts/2"), 404, "no-attempt"),
            ("a revert that never ran", try c.get("/api/v1/runs/d1/nodes/w/attempts/1?purpose=revert"), 404, "no-attempt"),
            ("a number that is not one", try c.get("/api/v1/runs/d1/nodes/w/attempts/first"), 422, "invalid-path"),
            ("attempt 0", try c.get("/api/v1/runs/d1/nodes/w/attempts/0"), 422, "invalid-path"),
            ("a bad purpose", try c.get("/api/v1/runs/d1/nodes/w/attempts/1?purpose=undo"), 422, "invalid-query"),
        ]
        for (what, reply, status, code) in cases {
            XCTAssertEqual(reply.status, status, "\(what): \(reply.text)")
            XCTAssertEqual(reply.error["code"] as? String, code, what)
        }
        let viewer = try server.client(as: "watcher", role: .viewer)
        XCTAssertEqual(try viewer.get("/api/v1/runs/d1/nodes/w/attempts/1").status, 200, "a viewer may look")
    }

    func testAProgressReportIsAnEventWithItsReportOnTheStream() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        let go = server.store + "-go-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: go) }
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Self.waiter(go: go), "run_id": "p1"]).status, 201)
        let stream = try EventStreamReader(port: server.port, path: "/api/v1/runs/p1/events/stream", token: server.adminToken)
        defer { stream.close() }
        var progress: [String: Any]?
        while let e = stream.next() {
            if e.data["kind"] as? String == "progress" { progress = e.data; break }
        }
        let event = try XCTUnwrap(progress, "the stream ended without a progress event")
        XCTAssertEqual(event["node"] as? String, "w")
        XCTAssertEqual(event["attempt"] as? Int, 1)
        XCTAssertEqual(event["message"] as? String, "25%: warming up (loss=0.5)")
        let report = try XCTUnwrap(event["progress"] as? [String: Any])
        XCTAssertEqual(report["fraction"] as? Double, 0.25)
        XCTAssertEqual(report["message"] as? String, "warming up")
        XCTAssertEqual((report["metrics"] as? [String: Any])?["loss"] as? Double, 0.5)

        XCTAssertTrue(FileManager.default.createFile(atPath: go, contents: nil))
        try server.waitForRun("p1", in: ["succeeded"])
        // The same report on the page of events.
        let page = try c.get("/api/v1/runs/p1/events").json["events"] as? [[String: Any]] ?? []
        let reports = page.filter { $0["kind"] as? String == "progress" }
        XCTAssertFalse(reports.isEmpty)
        XCTAssertTrue(reports.allSatisfy { ($0["progress"] as? [String: Any])?["message"] as? String == "warming up" }, "\(reports)")
        XCTAssertNil(page.first { $0["kind"] as? String == "attempt-started" }?["progress"], "only progress events carry a report")
    }
}

extension LoopbackClient {
    /// Polls `path` until `done` holds for its JSON (a guard against hanging, not a latency bound).
    func poll(_ path: String, timeout: TimeInterval = 60,
              file: StaticString = #filePath, line: UInt = #line, _ done: ([String: Any]) -> Bool) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        var last: [String: Any] = [:]
        while Date() < deadline {
            last = try get(path).json
            if done(last) { return last }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTFail("\(path) never got there; last: \(last)", file: file, line: line)
        return last
    }
}
