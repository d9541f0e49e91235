import Foundation
import SluiceServer
import SluiceStore
import XCTest

/// Store work from handlers runs on the store's own threads: blocked store calls leave the server answering.
final class AsyncStoreTests: XCTestCase {
    func testACallRunsOnAStoreThreadAndReturnsItsResult() async throws {
        let directory = TestServer.temporaryStore()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try OnStoreThread.open(directory)
        let db = AsyncStore(store)
        let onStoreThread = try await db.run { _ in StoreThreads.shared.ownsCurrentThread }
        XCTAssertTrue(onStoreThread)
        XCTAssertFalse(StoreThreads.shared.ownsCurrentThread, "the test itself is not on a store thread")
        let version = try await db.run { try $0.schemaVersion() }
        XCTAssertGreaterThan(version, 0)
        do {
            _ = try await db.run { try $0.createRun(NewRun(id: "x", flow: "f", compiledFlow: Data("{}".utf8), inputs: Data("{}".utf8))) }
            _ = try await db.run { try $0.createRun(NewRun(id: "x", flow: "f", compiledFlow: Data("{}".utf8), inputs: Data("{}".utf8))) }
            XCTFail("a second run with the same id was accepted")
        } catch let e as StoreError {
            XCTAssertEqual(e.code, "run-exists")
        }
    }

    func testTheServerAnswersStoreRequestsWhileMoreStoreCallsBlockThanThePoolHasThreads() throws {
        let server = try TestServer()
        defer { server.stop() }
        let db = AsyncStore(server.server.controller.store)
        // More blocked calls than the cooperative pool has threads (2 here), fewer than the store has.
        let blocked = max(3, ProcessInfo.processInfo.activeProcessorCount + 1)
        XCTAssertLessThan(blocked, StoreThreads.shared.count, "the test needs one store thread free")
        let started = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        for _ in 0..<blocked {
            Task { try await db.run { _ in started.signal(); release.wait() } }
        }
        for _ in 0..<blocked { XCTAssertEqual(started.wait(timeout: .now() + 20), .success) }
        defer { for _ in 0..<blocked { release.signal() } }

        XCTAssertEqual(try server.client.get("/healthz").status, 200)
        XCTAssertEqual(try server.client.post("/api/v1/runs", json: ["flow": Flows.gates, "run_id": "while-blocked"]).status, 201)
        let list = try server.client.get("/api/v1/runs")
        XCTAssertEqual(list.status, 200, list.text)
        XCTAssertEqual((list.json["runs"] as? [[String: Any]])?.first?["id"] as? String, "while-blocked")
    }
}

/// Opens a store from a synchronous helper (tests' async functions must not call the blocking store).
enum OnStoreThread {
    static func open(_ directory: String) throws -> Store { try Store.open(directory: directory) }
}
