import Foundation
import SluiceRuntime
import XCTest

/// Issue 13: after another server adopted a run, the task's callbacks still went to the address it was given,
/// which no longer drove the run, and a heartbeat task was killed. A callback that reaches a server that does
/// not drive the run is relayed to the one that does.
final class CallbackRelayTests: XCTestCase {
    func testACallbackToAServerThatDoesNotDriveTheRunIsRelayedToTheOneThatDoes() throws {
        let driver = try TestServer()
        defer { driver.stop() }
        let marker = driver.store + "/../\(UUID().uuidString).go"
        defer { unlink(marker) }
        let flow = """
            name: relayed
            tasks:
              wait:
                command: [sh, -c, "while [ ! -e \(marker) ]; do sleep 0.05; done; echo '{}' > $SLUICE_OUTPUTS"]
            nodes:
              - {id: wait, task: wait}
            """
        XCTAssertEqual(try driver.client.post("/api/v1/runs", json: ["flow": flow, "run_id": "moved"]).status, 201)
        try driver.waitForNode("moved", "wait", state: "running")

        // A second server over the same store: the run's lease is the driver's, so it does not drive it.
        let other = try TestServer(store: driver.store, adminName: "second-admin")
        defer { other.stop() }
        XCTAssertFalse(other.server.controller.drivenRuns.contains("moved"))
        let token = try other.server.controller.callbackTokens().token(runID: "moved", node: "wait", attempt: 1, purpose: "run")
        let tasky = LoopbackClient(port: other.port, token: token)
        let reply = try tasky.post("/api/v1/callbacks/moved/wait/1", json: ["progress": 0.25, "message": "relayed"])
        XCTAssertEqual(reply.status, 202, reply.text)
        // The driver took it: the progress shows in the run.
        let deadline = Date().addingTimeInterval(20)
        var message: String?
        while Date() < deadline, message != "relayed" {
            message = TestServer.node(try driver.client.get("/api/v1/runs/moved").json, "wait")?["message"] as? String
            if message != "relayed" { Thread.sleep(forTimeInterval: 0.05) }
        }
        XCTAssertEqual(message, "relayed")
        // A callback with a bad token is refused by the receiving server, never relayed.
        let forged = LoopbackClient(port: other.port, token: "nope")
        XCTAssertEqual(try forged.post("/api/v1/callbacks/moved/wait/1", json: [:]).status, 401)
        _ = FileManager.default.createFile(atPath: marker, contents: nil)
        XCTAssertEqual(try driver.waitForRun("moved", in: ["succeeded", "failed"])["state"] as? String, "succeeded")
    }
}
