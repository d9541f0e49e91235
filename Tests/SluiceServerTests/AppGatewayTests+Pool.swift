import Foundation
import XCTest

/// The gateway's keep-alive connections to replicas: reused after clean exchanges, never after `Connection: close`,
/// and a replica that dropped an idle one is not seen by clients.
extension AppGatewayTests {
    /// The fixture's serial number of the connection each request came on.
    private func connections(_ s: TestServer, _ path: String, times: Int, line: UInt = #line) throws -> [Int] {
        let gateway = LoopbackClient(port: s.port)
        return try (0..<times).map { _ in
            let reply = try gateway.get("/apps/echo\(path)")
            XCTAssertEqual(reply.status, 200, reply.text, line: line)
            return reply.json["connection"] as? Int ?? -1
        }
    }

    func testTheGatewayReusesConnectionsToAReplica() throws {
        let s = try server()
        defer { s.stop() }
        try deploy(s, Self.appsFile(replicas: 1))
        try waitForApp(s, "echo") { $0["state"] as? String == "healthy" }
        let seen = try connections(s, "/items", times: 12)
        XCTAssertFalse(seen.contains(-1), "\(seen)")
        XCTAssertLessThan(Set(seen).count, seen.count, "12 requests, each on a new connection: \(seen)")
        // A request body streamed up does not spoil the connection either.
        let payload = Data((0..<100_000).map { UInt8($0 % 251) })
        let posts = try (0..<6).map { _ in
            let reply = try LoopbackClient(port: s.port).post("/apps/echo/echo", raw: payload)
            XCTAssertEqual(reply.body, payload)
            return reply.headers["x-connection"] ?? "?"
        }
        XCTAssertLessThan(Set(posts).count, posts.count, "6 POSTs, each on a new connection: \(posts)")
    }

    func testAResponseWithConnectionCloseIsNeverFollowedOnItsConnection() throws {
        let s = try server()
        defer { s.stop() }
        try deploy(s, Self.appsFile(replicas: 1))
        try waitForApp(s, "echo") { $0["state"] as? String == "healthy" }
        // The fixture says `Connection: close` on /close but leaves the connection open: reusing it would show.
        let seen = try connections(s, "/close", times: 4)
        XCTAssertEqual(Set(seen).count, 4, "each request after a `Connection: close` needs a new connection: \(seen)")
    }

    func testAConnectionTheReplicaDroppedWhileIdleIsNotSeenByClients() throws {
        let s = try server()
        defer { s.stop() }
        try deploy(s, Self.appsFile(replicas: 1))
        try waitForApp(s, "echo") { $0["state"] as? String == "healthy" }
        // /drop closes its connection after a keep-alive response: the gateway holds a dead idle connection, and
        // the next request (answered 200 by `connections`) must not see it.
        for round in 0..<5 {
            let pooled = try connections(s, "/items", times: 1)
            let dropped = try connections(s, "/drop", times: 1)
            // The premise: /drop went over the pooled keep-alive connection, so that is the one the replica dropped.
            XCTAssertEqual(dropped, pooled, "round \(round): /drop did not reuse the idle pooled connection")
            let next = try LoopbackClient(port: s.port).get("/apps/echo/items")
            XCTAssertEqual(next.status, 200, "round \(round): a client saw the dropped connection: \(next.text)")
            XCTAssertEqual(next.json["path"] as? String, "/items", next.text)
        }
    }
}
