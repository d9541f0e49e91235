import Foundation
@testable import SluiceServer
import SluiceRuntime
import XCTest

/// Task callbacks under `sluice serve`: each attempt gets `SLUICE_CALLBACK_URL` and a token valid for that
/// attempt only, and may POST progress, metrics and heartbeats.
final class CallbackTests: XCTestCase {
    static func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("callbacks-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func testHeartbeatsAndProgressKeepATaskAliveAndShowInTheRunTree() throws {
        let server = try TestServer()
        defer { server.stop() }
        let flow = """
            name: beating
            tasks:
              beat:
                command: [sh, -c, "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do curl -sf -X POST -H \\"Authorization: Bearer $SLUICE_CALLBACK_TOKEN\\" -d '{\\"progress\\": 0.5, \\"message\\": \\"half\\", \\"metrics\\": {\\"loss\\": 0.3}}' \\"$SLUICE_CALLBACK_URL\\" > /dev/null || exit 9; sleep 0.5; done"]
                heartbeat: 4s
                retries: {system_attempts: 1}
            nodes:
              - {id: beat, task: beat}
            """
        let submitted = try server.client.post("/api/v1/runs", json: ["flow": flow, "run_id": "beat1"])
        XCTAssertEqual(submitted.status, 201, submitted.text)
        var sawMessage = false
        let deadline = Date().addingTimeInterval(30)
        var tree: [String: Any] = [:]
        while Date() < deadline {
            tree = try server.client.get("/api/v1/runs/beat1").json
            if let node = TestServer.node(tree, "beat"), node["message"] as? String == "half" {
                sawMessage = true
                XCTAssertEqual(node["progress"] as? Double, 0.5)
                XCTAssertEqual((node["metrics"] as? [String: Double])?["loss"], 0.3)
            }
            if ["succeeded", "failed"].contains(tree["state"] as? String ?? "") { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertEqual(tree["state"] as? String, "succeeded", "\(tree)")
        XCTAssertTrue(sawMessage, "the progress message never showed in the run tree: \(tree)")
    }

    func testASilentTaskIsStoppedAsASystemError() throws {
        let server = try TestServer()
        defer { server.stop() }
        let flow = """
            name: silent
            tasks:
              quiet:
                command: [sleep, "20"]
                heartbeat: 1s
                retries: {system_attempts: 1}
            nodes:
              - {id: quiet, task: quiet}
            """
        XCTAssertEqual(try server.client.post("/api/v1/runs", json: ["flow": flow, "run_id": "quiet1"]).status, 201)
        let tree = try server.waitForRun("quiet1", in: ["failed", "succeeded"], timeout: 20)
        XCTAssertEqual(tree["state"] as? String, "failed")
        let node = TestServer.node(tree, "quiet")
        XCTAssertTrue((node?["error"] as? String ?? "").contains("no heartbeat"), "\(String(describing: node))")
    }

    func testOnlyTheAttemptsOwnTokenIsAccepted() throws {
        let server = try TestServer()
        defer { server.stop() }
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = dir + "/env", done = dir + "/done"
        let flow = """
            name: waiter
            tasks:
              wait:
                command: [sh, -c, "printf '%s\\\\n%s\\\\n' \\"$SLUICE_CALLBACK_URL\\" \\"$SLUICE_CALLBACK_TOKEN\\" > \(env).tmp; mv \(env).tmp \(env); while [ ! -f \(done) ]; do sleep 0.05; done"]
            nodes:
              - {id: wait, task: wait}
            """
        let submitted = try server.client.post("/api/v1/runs", json: ["flow": flow, "run_id": "w1"])
        XCTAssertEqual(submitted.status, 201, submitted.text)
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: env) && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let lines = try String(contentsOfFile: env, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, "\(lines)")
        let url = try XCTUnwrap(URL(string: lines[0]))
        let token = lines[1]
        XCTAssertEqual(url.port, server.port)
        XCTAssertEqual(url.path, "/api/v1/callbacks/w1/wait/1")
        XCTAssertEqual(token.count, 64, "hex of an HMAC-SHA256")
        let path = url.path
        let anonymous = LoopbackClient(port: server.port)

        // No token, a wrong token, a user's admin token, and the token of another attempt: all 401.
        XCTAssertEqual(try anonymous.post(path, json: ["progress": 0.1]).status, 401)
        XCTAssertEqual(try anonymous.post(path, json: ["progress": 0.1], headers: ["Authorization": "Bearer nope"]).status, 401)
        XCTAssertEqual(try server.client.post(path, json: ["progress": 0.1]).status, 401)
        let tokens = try server.server.controller.callbackTokens()
        let other = tokens.token(runID: "w1", node: "wait", attempt: 2, purpose: "run")
        XCTAssertNotEqual(other, token)
        XCTAssertEqual(try anonymous.post(path, json: ["progress": 0.1], headers: ["Authorization": "Bearer \(other)"]).status, 401)
        let revert = tokens.token(runID: "w1", node: "wait", attempt: 1, purpose: "revert")
        XCTAssertEqual(try anonymous.post(path, json: ["progress": 0.1], headers: ["Authorization": "Bearer \(revert)"]).status, 401)

        // The right token: progress and an empty-body heartbeat are accepted.
        let own = ["Authorization": "Bearer \(token)"]
        let progress = try anonymous.post(path, json: ["progress": 0.25, "message": "quarter"], headers: own)
        XCTAssertEqual(progress.status, 202, progress.text)
        XCTAssertEqual(progress.json["accepted"] as? String, "progress")
        let beat = try anonymous.post(path, raw: Data(), headers: own)
        XCTAssertEqual(beat.status, 202, beat.text)
        XCTAssertEqual(beat.json["accepted"] as? String, "heartbeat")
        XCTAssertEqual(try anonymous.post(path, raw: Data("{".utf8), headers: own).status, 400)
        let seen = Date().addingTimeInterval(10)
        var message: String?
        while Date() < seen && message != "quarter" {
            message = TestServer.node(try server.client.get("/api/v1/runs/w1").json, "wait")?["message"] as? String
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertEqual(message, "quarter")

        // A run this server does not drive: 404 (with that run's valid token).
        let ghost = tokens.token(runID: "ghost", node: "wait", attempt: 1, purpose: "run")
        XCTAssertEqual(try anonymous.post("/api/v1/callbacks/ghost/wait/1", json: [String: Any](),
                                          headers: ["Authorization": "Bearer \(ghost)"]).status, 404)

        _ = FileManager.default.createFile(atPath: done, contents: Data())
        try server.waitForRun("w1", in: ["succeeded"])
        // After the run: nothing drives it any more.
        XCTAssertEqual(try anonymous.post(path, json: ["progress": 1.0], headers: own).status, 404)
    }

    func testTokensAreDerivedFromAPerStoreKey() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try CallbackTokens(storeDirectory: dir)
        let b = try CallbackTokens(storeDirectory: dir)
        XCTAssertEqual(a.token(runID: "r", node: "n", attempt: 1, purpose: "run"), b.token(runID: "r", node: "n", attempt: 1, purpose: "run"))
        XCTAssertNotEqual(a.token(runID: "r", node: "n", attempt: 1, purpose: "run"), a.token(runID: "r", node: "n", attempt: 1, purpose: "revert"))
        XCTAssertTrue(a.verify(a.token(runID: "r", node: "n", attempt: 3, purpose: "run"), runID: "r", node: "n", attempt: 3, purpose: "run"))
        XCTAssertFalse(a.verify(a.token(runID: "r", node: "n", attempt: 3, purpose: "run"), runID: "r", node: "n", attempt: 4, purpose: "run"))
        let attrs = try FileManager.default.attributesOfItem(atPath: dir + "/callback.key")
        XCTAssertEqual((attrs[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let other = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: other) }
        XCTAssertNotEqual(try CallbackTokens(storeDirectory: other).token(runID: "r", node: "n", attempt: 1, purpose: "run"),
                          a.token(runID: "r", node: "n", attempt: 1, purpose: "run"))
    }
}
