import Foundation
import XCTest

/// Issue 13, "faults the store can have": with writes failing (a full disk or a read-only file), reads still
/// work, readiness says why, the failure is counted, and once writes work again the run continues without
/// running a finished task twice.
final class StoreFaultTests: XCTestCase {
    func testReadsWorkWhileWritesFailAndAFinishedTaskIsNotRunAgainAfterRecovery() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        let marker = server.store + "/../\(UUID().uuidString).marker"
        let count = server.store + "/../\(UUID().uuidString).count"
        defer { unlink(marker); unlink(count) }
        let flow = """
            name: faulty
            tasks:
              once:
                command: [sh, -c, "echo ran >> \(count); while [ ! -e \(marker) ]; do sleep 0.05; done; echo '{}' > $SLUICE_OUTPUTS"]
            nodes:
              - {id: once, task: once}
              - {id: review, gate: {approve: null}, after: [once]}
            """
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": flow, "run_id": "f"]).status, 201)
        try server.waitForNode("f", "once", state: "running")

        let store = server.server.controller.store
        // A fresh token's first use records last_used: its read must work anyway.
        let viewer = try server.client(as: "vic", role: .viewer)
        try store.refuseWritesForTesting(true)
        // The task ends while nothing can be recorded.
        _ = FileManager.default.createFile(atPath: marker, contents: nil)
        let list = try viewer.get("/api/v1/runs")
        XCTAssertEqual(list.status, 200, list.text)
        let ready = try c.get("/readyz")
        // Readiness turns once a write has failed (the controller's commit of the task's end, or last_used).
        var readiness = ready.json
        let deadline = Date().addingTimeInterval(30)
        while readiness["store"] as? String != "read-only", Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            readiness = try c.get("/readyz").json
        }
        XCTAssertEqual(readiness["store"] as? String, "read-only", "\(readiness)")
        XCTAssertEqual(readiness["status"] as? String, "not-ready")
        XCTAssertNotNil(readiness["store_error"] as? String)
        let refused = try c.post("/api/v1/runs", json: ["flow": Flows.gates])
        XCTAssertEqual(refused.status, 503, refused.text)
        XCTAssertEqual(refused.error["code"] as? String, "store-read-only")
        let metrics = try c.get("/metrics").text
        XCTAssertTrue(metrics.contains("sluice_store_writable 0"), metrics)

        // Writes come back only after the controller failed to record the task's end at least once.
        let commitDeadline = Date().addingTimeInterval(30)
        while server.server.controller.metrics.snapshot()[.commitErrors] ?? 0 == 0, Date() < commitDeadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertGreaterThan(server.server.controller.metrics.snapshot()[.commitErrors] ?? 0, 0)
        try store.refuseWritesForTesting(false)
        // The task's end was kept, not forgotten: the run reaches the gate and the task ran once.
        try server.waitForNode("f", "review", state: "waiting", timeout: 60)
        XCTAssertEqual(try c.get("/readyz").status, 200)
        XCTAssertEqual(try String(contentsOfFile: count, encoding: .utf8), "ran\n")
        XCTAssertEqual(try c.post("/api/v1/runs/f/nodes/review/approve", json: [:]).status, 202)
        XCTAssertEqual(try server.waitForRun("f", in: ["succeeded", "failed"])["state"] as? String, "succeeded")
    }
}
