import Foundation
@testable import SluiceServer
import SluiceStore
import XCTest

/// Bearer tokens and roles over real loopback HTTP: every route of `RouteRoles.table` against every kind of caller.
final class AuthTests: XCTestCase {
    /// A concrete path for a route pattern, on run `m1` (a gates run waiting at `review`).
    static func path(_ rule: RouteRoles.Rule) -> String {
        let values: [Substring: String] = [":id": "m1", ":node": "review", ":signal": "threshold"]
        return "/" + rule.segments.map { values[$0] ?? String($0) }.joined(separator: "/")
    }

    static func send(_ client: LoopbackClient, _ rule: RouteRoles.Rule) throws -> LoopbackClient.Reply {
        let path = path(rule)
        if path == "/api/v1/events/stream" {
            // The server-wide stream never ends on its own: once it answers 200 its status is all the matrix needs;
            // a refusal ends, and is read whole below.
            let stream = try EventStreamReader(port: client.port, path: path, token: client.token)
            stream.close()
            if stream.status == 200 { return LoopbackClient.Reply(status: 200, headers: [:], body: Data()) }
        }
        if rule.method == .get { return try client.get(path + (path.hasSuffix("/stream") ? "?after=0" : "")) }
        // Without force, deleting the waiting run is refused (409): it stays for the other routes.
        if rule.method == .delete { return try client.send("DELETE", path, body: nil, headers: [:]) }
        let body: Any = path == "/api/v1/runs" ? ["flow": Flows.hello] : (path.hasSuffix("threshold") ? ["value": 0.5] : ["comment": "matrix"])
        return try client.post(path, json: body)
    }

    func testEveryRouteAnswersEachRoleAsTheTableSays() throws {
        let server = try TestServer()
        defer { server.stop() }
        XCTAssertEqual(try server.client.post("/api/v1/runs", json: ["flow": Flows.gates, "run_id": "m1"]).status, 201)
        try server.waitForNode("m1", "review", state: "waiting")
        let store = server.server.controller.store
        let revoked = try store.createToken(name: "gone", role: .admin).secret
        try store.revokeToken(idOrName: "gone")
        let anonymous = LoopbackClient(port: server.port)
        let callers: [(String, LoopbackClient, TokenRole?)] = [
            ("no token", anonymous, nil),
            ("bad token", LoopbackClient(port: server.port, token: "slc_not-a-token"), nil),
            ("revoked token", LoopbackClient(port: server.port, token: revoked), nil),
            ("viewer", try server.client(as: "v", role: .viewer), .viewer),
            ("operator", try server.client(as: "o", role: .operator), .operator),
            ("admin", try server.client(as: "a", role: .admin), .admin),
        ]
        XCTAssertGreaterThanOrEqual(RouteRoles.table.count, 13, "every route of the API is in the table")
        // Aborting last keeps the run waiting for the other routes.
        let rules = RouteRoles.table.sorted { a, _ in !Self.path(a).hasSuffix("/abort") }
        for rule in rules {
            for (who, client, role) in callers {
                let reply = try Self.send(client, rule)
                let what = "\(rule.method) \(Self.path(rule)) as \(who): \(reply.status) \(reply.text.prefix(200))"
                guard let required = rule.role else {
                    XCTAssertFalse([401, 403].contains(reply.status), what)
                    continue
                }
                guard let role else {
                    XCTAssertEqual(reply.status, 401, what)
                    XCTAssertEqual(reply.error["code"] as? String, "unauthorized", what)
                    XCTAssertEqual(reply.headers["www-authenticate"], "Bearer", what)
                    continue
                }
                if role.allows(required) {
                    XCTAssertTrue((200..<500).contains(reply.status) && ![401, 403].contains(reply.status), what)
                } else {
                    XCTAssertEqual(reply.status, 403, what)
                    XCTAssertEqual(reply.error["code"] as? String, "forbidden", what)
                    XCTAssertTrue((reply.error["message"] as? String ?? "").contains("needs \(required.rawValue)"), what)
                }
            }
        }
    }

    func testARouteMissingFromTheTableNeedsAdmin() throws {
        let server = try TestServer()
        defer { server.stop() }
        let viewer = try server.client(as: "v", role: .viewer)
        XCTAssertEqual(try viewer.get("/api/v1/not-a-route").status, 403)
        XCTAssertEqual(try server.client.get("/api/v1/not-a-route").status, 404)
        XCTAssertEqual(try LoopbackClient(port: server.port).get("/api/v1/not-a-route").status, 401)
    }

    func testTheActingUserIsTheTokensNameNotAHeader() throws {
        let server = try TestServer()
        defer { server.stop() }
        XCTAssertEqual(try server.client.post("/api/v1/runs", json: ["flow": Flows.gates, "run_id": "n1"]).status, 201)
        try server.waitForNode("n1", "review", state: "waiting")
        let reply = try server.client(as: "ci").post("/api/v1/runs/n1/nodes/review/approve", json: ["comment": "ok"],
                                                     headers: ["X-Sluice-User": "someone-else"])
        XCTAssertEqual(reply.status, 202, reply.text)
        XCTAssertEqual(reply.json["by"] as? String, "ci")
    }

    func testAnAuthorizationHeaderOfAnotherSchemeIsUnauthorized() throws {
        let server = try TestServer()
        defer { server.stop() }
        let reply = try LoopbackClient(port: server.port).get("/api/v1/runs", headers: ["Authorization": "Basic \(server.adminToken)"])
        XCTAssertEqual(reply.status, 401)
        XCTAssertEqual(try LoopbackClient(port: server.port).get("/healthz").status, 200)
    }
}
