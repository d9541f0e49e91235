import Foundation
import SluiceModel
import SluiceRuntime
@testable import SluiceServer
import SluiceStore
import XCTest

/// `DELETE /api/v1/runs/{id}`, `POST /api/v1/prune`, run id prefixes in paths, the run id rule, and retention.
final class RunDeletionAPITests: XCTestCase {
    func testAFinishedRunIsDeletedByAPrefixAndItsFolderGoes() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Flows.hello, "run_id": "del-one"]).status, 201)
        try server.waitForRun("del-one", in: ["succeeded"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: server.store + "/attempts/del-one"))
        // A prefix names the run in every run path.
        XCTAssertEqual(try c.get("/api/v1/runs/del-o").json["id"] as? String, "del-one")
        XCTAssertEqual(try c.get("/api/v1/runs/del-o/events").status, 200)

        let viewer = try server.client(as: "watcher", role: .viewer)
        XCTAssertEqual(try viewer.send("DELETE", "/api/v1/runs/del-one", body: nil, headers: [:]).status, 403)

        let deleted = try c.send("DELETE", "/api/v1/runs/del-o", body: nil, headers: [:])
        XCTAssertEqual(deleted.status, 200, deleted.text)
        XCTAssertEqual(deleted.json["id"] as? String, "del-one")
        XCTAssertEqual(deleted.json["state"] as? String, "succeeded")
        XCTAssertGreaterThan(deleted.json["bytes"] as? Int ?? 0, 0)
        XCTAssertEqual(try c.get("/api/v1/runs/del-one").status, 404)
        XCTAssertFalse(FileManager.default.fileExists(atPath: server.store + "/attempts/del-one"))
    }

    func testAnAmbiguousPrefixListsItsMatchesAndAnUnfinishedRunNeedsForce() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        for id in ["wait-a1", "wait-a2"] {
            XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Flows.gates, "run_id": id]).status, 201)
            try server.waitForNode(id, "review", state: "waiting")
        }
        let ambiguous = try c.get("/api/v1/runs/wait-a")
        XCTAssertEqual(ambiguous.status, 422)
        XCTAssertEqual(ambiguous.error["code"] as? String, "ambiguous-run-id")
        XCTAssertTrue((ambiguous.error["message"] as? String ?? "").contains("wait-a1, wait-a2"), ambiguous.text)

        let refused = try c.send("DELETE", "/api/v1/runs/wait-a1", body: nil, headers: [:])
        XCTAssertEqual(refused.status, 409)
        XCTAssertEqual(refused.error["code"] as? String, "run-not-deletable")
        XCTAssertTrue((refused.error["message"] as? String ?? "").contains("waiting"), refused.text)

        let forced = try c.send("DELETE", "/api/v1/runs/wait-a1?force=true", body: nil, headers: [:])
        XCTAssertEqual(forced.status, 200, forced.text)
        XCTAssertEqual(forced.json["state"] as? String, "aborted")
        XCTAssertEqual(try c.get("/api/v1/runs/wait-a").json["id"] as? String, "wait-a2", "the prefix is unique again")
    }

    func testPruneNeedsAdminAndRemovesOnlyOldFinishedRuns() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Flows.hello, "run_id": "p-done"]).status, 201)
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Flows.gates, "run_id": "p-waits"]).status, 201)
        try server.waitForRun("p-done", in: ["succeeded"])
        try server.waitForNode("p-waits", "review", state: "waiting")

        let op = try server.client(as: "op", role: .operator)
        XCTAssertEqual(try op.post("/api/v1/prune", json: ["older_than": "1ms"]).status, 403)
        XCTAssertEqual(try c.post("/api/v1/prune", json: ["older_than": "soon"]).status, 422)

        let young = try c.post("/api/v1/prune", json: ["older_than": "30d"])
        XCTAssertEqual(young.status, 200, young.text)
        XCTAssertEqual((young.json["runs"] as? [Any])?.count, 0)

        let dry = try c.post("/api/v1/prune", json: ["older_than": "1ms", "dry_run": true])
        XCTAssertEqual(((dry.json["runs"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }, ["p-done"])
        XCTAssertEqual(try c.get("/api/v1/runs/p-done").status, 200, "a dry run changes nothing")

        let pruned = try c.post("/api/v1/prune", json: ["older_than": "1ms", "states": ["succeeded"]])
        XCTAssertEqual(((pruned.json["runs"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }, ["p-done"])
        XCTAssertGreaterThan(pruned.json["bytes_freed"] as? Int ?? 0, 0)
        XCTAssertEqual(try c.get("/api/v1/runs/p-done").status, 404)
        XCTAssertEqual(try c.get("/api/v1/runs/p-waits").status, 200, "an unfinished run is never pruned")
    }

    func testARunIDThatBreaksTheRuleIsRefusedWithTheRule() throws {
        let server = try TestServer()
        defer { server.stop() }
        let refused = try server.client.post("/api/v1/runs", json: ["flow": Flows.hello, "run_id": "Bad Id!"])
        XCTAssertEqual(refused.status, 422)
        XCTAssertEqual(refused.error["code"] as? String, "invalid-run-id")
        XCTAssertTrue((refused.error["message"] as? String ?? "").contains(RunID.rule), refused.text)
    }

    func testRetentionPrunesWhenTheClockHasMovedPastTheRetentionTime() async throws {
        let directory = TestServer.temporaryStore()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await offThread { try Store.open(directory: directory) }
        let clock = ManualClock()
        try await offThread {
            try store.createRun(NewRun(id: "kept-30d", flow: "hello", created: clock.now(), compiledFlow: Data("{}".utf8), inputs: Data("{}".utf8)))
            try store.commit(StepCommit(runID: "kept-30d", run: RunUpdate(state: .succeeded, finished: clock.now())))
        }
        let retention = Retention(store: store, clock: clock, retain: DurationValue(milliseconds: 30 * 86_400_000),
                                  every: DurationValue(milliseconds: 3_600_000))
        let task = Task { await retention.run() }
        defer { task.cancel() }

        clock.advance(by: 29 * 86_400)
        let early = await retention.sweep()
        XCTAssertEqual(early?.runs.count, 0, "not yet 30 days old")

        clock.advance(by: 2 * 86_400)
        // Waits for the sweep the clock's move wakes (60 s guards against hanging; it is no latency bound).
        var gone = false
        let deadline = Date().addingTimeInterval(60)
        while !gone, Date() < deadline {
            gone = try await offThread { try store.run("kept-30d") == nil }
            if !gone { try await Task.sleep(for: .milliseconds(25)) }
        }
        XCTAssertTrue(gone, "the periodic sweep removed the run once the clock passed 30 days")
    }
}

/// Runs blocking store work on a thread of its own.
private func offThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        Thread.detachNewThread { c.resume(with: Result { try body() }) }
    }
}
