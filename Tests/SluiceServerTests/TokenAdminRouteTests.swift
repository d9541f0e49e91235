import Foundation
import SluiceStore
import XCTest

/// `/api/v1/tokens`: an admin creates, lists and revokes tokens over the API; the secret is shown once.
final class TokenAdminRouteTests: XCTestCase {
    func testAnAdminCreatesAWorkingTokenWhoseSecretIsShownOnce() throws {
        let server = try TestServer()
        defer { server.stop() }
        let created = try server.client.post("/api/v1/tokens", json: ["name": "ci", "role": "viewer"])
        XCTAssertEqual(created.status, 201, created.text)
        let secret = try XCTUnwrap(created.json["token"] as? String)
        XCTAssertTrue(secret.hasPrefix("slc_"), created.text)
        XCTAssertEqual(created.json["name"] as? String, "ci")
        XCTAssertEqual(created.json["role"] as? String, "viewer")
        XCTAssertTrue((created.json["id"] as? String)?.hasPrefix("tok_") == true, created.text)

        // The new token works, with its role.
        let asCI = LoopbackClient(port: server.port, token: secret)
        XCTAssertEqual(try asCI.get("/api/v1/runs").status, 200)
        XCTAssertEqual(try asCI.post("/api/v1/runs", json: ["flow": Flows.hello]).status, 403)

        let list = try server.client.get("/api/v1/tokens")
        XCTAssertEqual(list.status, 200, list.text)
        XCTAssertFalse(list.text.contains(secret), "a list never shows a secret")
        let rows = list.json["tokens"] as? [[String: Any]] ?? []
        XCTAssertEqual(rows.map { $0["name"] as? String }, ["test-admin", "ci"])
        XCTAssertTrue(rows.allSatisfy { Set($0.keys) == ["id", "name", "role", "created", "last_used", "revoked"] }, list.text)
    }

    func testRevokingByNameOrIdStopsTheTokenAtOnce() throws {
        let server = try TestServer()
        defer { server.stop() }
        let first = try server.client.post("/api/v1/tokens", json: ["name": "bot", "role": "operator"])
        let secret = try XCTUnwrap(first.json["token"] as? String)
        let revoked = try server.client.send("DELETE", "/api/v1/tokens/bot", body: nil, headers: [:])
        XCTAssertEqual(revoked.status, 200, revoked.text)
        XCTAssertEqual(revoked.json["name"] as? String, "bot")
        XCTAssertTrue(revoked.json["revoked"] is String, revoked.text)
        XCTAssertEqual(try LoopbackClient(port: server.port, token: secret).get("/api/v1/runs").status, 401)

        // The name is free again; an id is accepted too, and a name with a slash is one path segment.
        let again = try server.client.post("/api/v1/tokens", json: ["name": "team/bot", "role": "viewer"])
        XCTAssertEqual(again.status, 201, again.text)
        let id = try XCTUnwrap(again.json["id"] as? String)
        XCTAssertEqual(try server.client.send("DELETE", "/api/v1/tokens/\(id)", body: nil, headers: [:]).status, 200)
        let gone = try server.client.send("DELETE", "/api/v1/tokens/team%2Fbot", body: nil, headers: [:])
        XCTAssertEqual(gone.status, 404, gone.text)
        XCTAssertEqual(gone.error["code"] as? String, "no-token")
    }

    func testBadRequestsAreRefusedWithTheFieldAtFault() throws {
        let server = try TestServer()
        defer { server.stop() }
        XCTAssertEqual(try server.client.post("/api/v1/tokens", json: ["name": "ci", "role": "viewer"]).status, 201)
        let duplicate = try server.client.post("/api/v1/tokens", json: ["name": "ci", "role": "admin"])
        XCTAssertEqual(duplicate.status, 409, duplicate.text)
        XCTAssertEqual(duplicate.error["code"] as? String, "token-exists")
        let role = try server.client.post("/api/v1/tokens", json: ["name": "x", "role": "root"])
        XCTAssertEqual(role.status, 422, role.text)
        XCTAssertEqual(role.error["field"] as? String, "role")
        let name = try server.client.post("/api/v1/tokens", json: ["name": "two words", "role": "viewer"])
        XCTAssertEqual(name.status, 422, name.text)
        XCTAssertEqual(name.error["field"] as? String, "name")
        XCTAssertEqual(try server.client.post("/api/v1/tokens", json: ["role": "viewer"]).status, 422)
        // Control characters (a NUL above all, which SQLite's C-string binding once cut the name at, so two
        // different names collided as a 500) are refused; the names stay distinct in the store.
        for bad in ["KP\u{11}K", "a\u{0}b", "zero\u{200B}width"] {
            let refused = try server.client.post("/api/v1/tokens", json: ["name": bad, "role": "viewer"])
            XCTAssertEqual(refused.status, 422, refused.text)
            XCTAssertTrue(refused.text.contains("control characters"), refused.text)
        }
    }

    func testOnlyAnAdminManagesTokens() throws {
        let server = try TestServer()
        defer { server.stop() }
        let operatorClient = try server.client(as: "ops", role: .operator)
        let reply = try operatorClient.post("/api/v1/tokens", json: ["name": "mine", "role": "admin"])
        XCTAssertEqual(reply.status, 403, reply.text)
        XCTAssertTrue((reply.error["message"] as? String ?? "").contains("needs admin"), reply.text)
        XCTAssertEqual(try operatorClient.get("/api/v1/tokens").status, 403)
        XCTAssertEqual(try operatorClient.send("DELETE", "/api/v1/tokens/test-admin", body: nil, headers: [:]).status, 403)
        XCTAssertEqual(try LoopbackClient(port: server.port).get("/api/v1/tokens").status, 401)
    }

    func testAnAdminCannotRevokeTheTokenItIsUsing() throws {
        let server = try TestServer()
        defer { server.stop() }
        let own = try server.client.send("DELETE", "/api/v1/tokens/test-admin", body: nil, headers: [:])
        XCTAssertEqual(own.status, 409, own.text)
        XCTAssertEqual(own.error["code"] as? String, "token-in-use")
        XCTAssertEqual(try server.client.get("/api/v1/tokens").status, 200, "the token still works")
        // Another admin may revoke it.
        let other = try server.client(as: "second", role: .admin)
        XCTAssertEqual(try other.send("DELETE", "/api/v1/tokens/test-admin", body: nil, headers: [:]).status, 200)
        XCTAssertEqual(try server.client.get("/api/v1/tokens").status, 401)
    }
}
