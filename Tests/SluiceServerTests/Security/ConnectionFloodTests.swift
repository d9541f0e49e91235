import Foundation
import XCTest

/// Issue 13: an unauthenticated connection flood took every file descriptor, and attempts launched meanwhile
/// failed. Connections are capped (the rest wait in the listen backlog) and idle ones are closed.
final class ConnectionFloodTests: XCTestCase {
    func testIdleConnectionsBeyondTheCapWaitAndAreClosedAndRequestsAndTasksStillGoThrough() throws {
        let server = try TestServer { c in
            c.maxConnections = 4
            c.idleTimeoutSeconds = 1
        }
        defer { server.stop() }
        // Twenty connections that never send a request (the cap lets four in; the rest queue in the backlog).
        let flood = try (0..<20).map { _ in try Connection(port: server.port) }
        defer { flood.forEach { $0.close() } }
        // A real request is answered once idle connections are closed, and a task still starts and succeeds.
        XCTAssertEqual(try server.client.post("/api/v1/runs", json: ["flow": Flows.hello, "run_id": "through"]).status, 201)
        let tree = try server.waitForRun("through", in: ["succeeded", "failed"])
        XCTAssertEqual(tree["state"] as? String, "succeeded", "\(tree)")
        // The first connections accepted were closed by the server for idling (read sees the end, not a timeout).
        var byte: UInt8 = 0
        var n = recv(flood[0].fd, &byte, 1, 0)
        while n < 0 && errno == EINTR { n = recv(flood[0].fd, &byte, 1, 0) }
        XCTAssertEqual(n, 0, "an idle connection was left open (recv: \(n), errno \(errno))")
    }
}
