import Foundation
@testable import SluiceServer
import XCTest

/// The web UI's files served at `/` and `/ui/FILE` without a token, with their headers; the endpoints the UI
/// added to the API: who am I, the server-wide event stream, a flow version's inputs.
final class UIRoutesTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testTheEmbeddedFilesAreTheOnesInTheUIFolder() throws {
        let folder = Self.root.appendingPathComponent("ui")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertEqual(names, UIAssets.files.keys.sorted(), "run scripts/embed-ui.sh")
        for name in names {
            let file = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            XCTAssertTrue(UIAssets.files[name] == file, "\(name) is stale in UIAssets.swift: run scripts/embed-ui.sh")
        }
    }

    func testThePageAndItsFilesNeedNoTokenAndCarryTheirHeaders() throws {
        let server = try TestServer()
        defer { server.stop() }
        let anonymous = LoopbackClient(port: server.port)
        let page = try anonymous.get("/")
        XCTAssertEqual(page.status, 200)
        XCTAssertEqual(page.headers["content-type"], "text/html; charset=utf-8")
        XCTAssertEqual(page.headers["cache-control"], "no-cache")
        XCTAssertEqual(page.headers["x-content-type-options"], "nosniff")
        let csp = try XCTUnwrap(page.headers["content-security-policy"])
        XCTAssertTrue(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), csp)
        XCTAssertTrue(page.text.contains(#"<script type="module" src="/ui/app.js">"#))
        XCTAssertFalse(page.text.contains("<script>"), "no inline script: the CSP would refuse it")

        let script = try anonymous.get("/ui/app.js")
        XCTAssertEqual(script.status, 200)
        XCTAssertEqual(script.headers["content-type"], "text/javascript; charset=utf-8")
        let etag = try XCTUnwrap(script.headers["etag"])
        XCTAssertEqual(try anonymous.get("/ui/app.js", headers: ["If-None-Match": etag]).status, 304)
        XCTAssertEqual(try anonymous.get("/ui/sluice.css").headers["content-type"], "text/css; charset=utf-8")

        let missing = try anonymous.get("/ui/nope.js")
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.error["code"] as? String, "no-file")
        // The data the page shows still needs a token.
        XCTAssertEqual(try anonymous.get("/api/v1/runs").status, 401)
        XCTAssertEqual(try anonymous.get("/api/v1/whoami").status, 401)
    }

    func testWhoAmINamesTheTokenAndItsRole() throws {
        let server = try TestServer()
        defer { server.stop() }
        let viewer = try server.client(as: "dashboard", role: .viewer)
        let me = try viewer.get("/api/v1/whoami")
        XCTAssertEqual(me.status, 200)
        XCTAssertEqual(me.json as NSDictionary, ["name": "dashboard", "role": "viewer"] as NSDictionary)
        XCTAssertEqual(try server.client.get("/api/v1/whoami").json["role"] as? String, "admin")
    }

    func testTheServerWideStreamSendsEveryRunsEventsFromNowOnAndResumes() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Flows.gates, "run_id": "before"]).status, 201)
        try server.waitForNode("before", "review", state: "waiting")

        let stream = try EventStreamReader(port: server.port, path: "/api/v1/events/stream", token: server.adminToken)
        XCTAssertEqual(stream.status, 200)
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Flows.gates, "run_id": "after"]).status, 201)
        // The stream never ends and keep-alives arrive sooner than the reader's timeout: a deadline ends the wait.
        let deadline = Date().addingTimeInterval(180)
        var seen: [Int64] = []
        var runs = Set<String>()
        while Date() < deadline, let e = stream.next() {
            seen.append(e.id)
            runs.insert(e.data["run"] as? String ?? "")
            if e.data["kind"] as? String == "gate-waiting" { break }
        }
        stream.close()
        XCTAssertEqual(runs, ["after"], "only what happened after connecting, without Last-Event-ID")
        let lastSeen = try XCTUnwrap(seen.last, "no event of run 'after' arrived")

        // Resumed with Last-Event-ID: the next events of every run, none twice.
        XCTAssertEqual(try c.post("/api/v1/runs/before/nodes/review/approve", json: [:]).status, 202)
        let resumed = try EventStreamReader(port: server.port, path: "/api/v1/events/stream", lastEventID: lastSeen, token: server.adminToken)
        var more: [(Int64, String)] = []
        while Date() < deadline, let e = resumed.next() {
            more.append((e.id, e.data["run"] as? String ?? ""))
            if e.data["kind"] as? String == "approved" { break }
        }
        resumed.close()
        XCTAssertTrue(more.allSatisfy { $0.0 > lastSeen }, "\(more)")
        XCTAssertEqual(more.last?.1, "before")
        XCTAssertEqual(Set(more.map(\.0)).count, more.count)
        let anonymous = try EventStreamReader(port: server.port, path: "/api/v1/events/stream", token: nil)
        XCTAssertEqual(anonymous.status, 401)
    }

    func testAFlowVersionListsItsInputsWithTypesAndDefaults() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        XCTAssertEqual(try c.post("/api/v1/flows", json: ["flow": Flows.hello]).status, 201)
        let version = try c.get("/api/v1/flows/hello/versions/1")
        XCTAssertEqual(version.status, 200)
        let inputs = try XCTUnwrap(version.json["inputs"] as? [[String: Any]])
        XCTAssertEqual(inputs.map { $0["name"] as? String }, ["who", "times"])
        XCTAssertEqual(inputs.first?["type"] as? String, "string")
        XCTAssertEqual(inputs.first?["default"] as? String, "world")
        XCTAssertEqual(inputs.last?["default"] as? Int, 1)
        XCTAssertEqual(inputs.first?["required"] as? Bool, false)
    }
}
