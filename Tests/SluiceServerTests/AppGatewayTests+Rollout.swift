import Foundation
import XCTest

/// Rolling updates: a changed spec replaces the replicas one at a time while the app keeps answering.
extension AppGatewayTests {
    func testAChangedSpecIsRolledOutReplicaByReplicaWhileRequestsKeepPassing() throws {
        let s = try server()
        defer { s.stop() }
        func file(_ version: String) -> String {
            Self.appsFile(replicas: 2).replacingOccurrences(of: "    public:", with: "    env: {VERSION: \"\(version)\"}\n    public:")
        }
        try deploy(s, file("1"))
        let before = try waitForApp(s, "echo") { $0["state"] as? String == "healthy" }
        let oldPids = Set(Self.replicas(before).compactMap { $0["pid"] as? Int })
        XCTAssertEqual(oldPids.count, 2)
        try deploy(s, file("2"))
        let gateway = LoopbackClient(port: s.port)
        var versions: [String] = []
        var failures: [String] = []
        // Requests all through the update: every one is answered, first by old replicas, at the end by new ones.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let reply = try gateway.get("/apps/echo/v")
            if reply.status != 200 { failures.append("\(reply.status) \(reply.text)") }
            versions.append(reply.json["version"] as? String ?? "?")
            let status = try s.client.get("/api/v1/apps/echo").json
            if status["state"] as? String == "healthy", versions.suffix(4) == ["2", "2", "2", "2"] { break }
        }
        XCTAssertEqual(failures, [], "no request failed during the update")
        XCTAssertEqual(versions.suffix(4), ["2", "2", "2", "2"], "\(versions)")
        XCTAssertEqual(versions.first, "1", "the old replicas answered while the new ones started: \(versions)")
        let after = try waitForApp(s, "echo") { $0["state"] as? String == "healthy" && Self.replicas($0).count == 2 }
        let newPids = Set(Self.replicas(after).compactMap { $0["pid"] as? Int })
        XCTAssertTrue(newPids.isDisjoint(with: oldPids), "\(oldPids) \(newPids)")
        // Deploying the same spec again restarts nothing.
        try deploy(s, file("2"))
        let same = try s.client.get("/api/v1/apps/echo").json
        XCTAssertEqual(same["state"] as? String, "healthy")
        XCTAssertEqual(Set(Self.replicas(same).compactMap { $0["pid"] as? Int }), newPids)
    }

    func testAnUpdateWhoseNewReplicaNeverGetsHealthyLeavesTheOldOnesServing() throws {
        let s = try server()
        defer { s.stop() }
        try deploy(s, Self.appsFile(replicas: 1))
        try waitForApp(s, "echo") { $0["state"] as? String == "healthy" }
        // The new spec's replica exits at once, over and over.
        try deploy(s, Self.appsFile(replicas: 1, command: ["python3", "-c", "import sys; sys.exit(4)"]))
        let stuck = try waitForApp(s, "echo") { Self.replicas($0).first?["state"] as? String == "crash-loop" }
        XCTAssertEqual(stuck["state"] as? String, "updating")
        XCTAssertEqual(try LoopbackClient(port: s.port).get("/apps/echo/").status, 200, "the old replica still answers")
        // A fixed spec drops the failing replicas and updates the old one.
        try deploy(s, Self.appsFile(replicas: 1).replacingOccurrences(of: "    public:", with: "    env: {VERSION: \"3\"}\n    public:"))
        try waitForApp(s, "echo") { $0["state"] as? String == "healthy" }
        XCTAssertEqual(try LoopbackClient(port: s.port).get("/apps/echo/").json["version"] as? String, "3")
    }
}
