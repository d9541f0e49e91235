import Foundation
import SluiceModel
import SluicePlugin
import SluiceRuntime
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

/// A deploy during a rolling update, and a deploy step's wait while old replicas drain.
extension AppGatewayTests {
    func testTheSameSpecDeployedAgainDuringAnUpdateLetsTheUpdateGoOnReplicaByReplica() throws {
        let s = try server()
        defer { s.stop() }
        try deploy(s, Self.appsFile(replicas: 2))
        try waitForApp(s, "echo") { $0["state"] as? String == "healthy" }
        // The new spec's replicas start listening only once the test says so: the update holds at its first one.
        let release = s.store + "/release-v2"
        let v2 = Self.appsFile(replicas: 2, command: ["sh", "-c", "while [ ! -e '\(release)' ]; do sleep 0.05; done; exec python3 -u '\(Self.fixture)'"])
        try deploy(s, v2)
        let holding = try waitForApp(s, "echo") { $0["state"] as? String == "updating" && Self.replicas($0).count == 1 }
        XCTAssertEqual(holding["healthy"] as? Int, 0)
        // The same spec again (what a repeated deploy step sends): the update goes on where it is, one replica at a time.
        try deploy(s, v2)
        let again = try s.client.get("/api/v1/apps/echo").json
        XCTAssertEqual(again["state"] as? String, "updating")
        XCTAssertEqual(Self.replicas(again).count, 1, "the new spec's replicas did not jump to the full count: \(again)")
        XCTAssertEqual(try LoopbackClient(port: s.port).get("/apps/echo/").status, 200, "the old replicas still answer")
        XCTAssertTrue(FileManager.default.createFile(atPath: release, contents: Data()))
        let done = try waitForApp(s, "echo") { $0["state"] as? String == "healthy" && Self.replicas($0).count == 2 }
        XCTAssertEqual(done["healthy"] as? Int, 2)
    }

    func testADeployStepWaitsForTheOldReplicasToDrainBeyondTheStartupGrace() throws {
        let s = try server()
        defer { s.stop() }
        // The old spec's request timeout (8 s) is what its draining replica may take; the new one's grace is 2 s.
        let v1 = Self.appsFile(replicas: 1, requestTimeout: "8s")
        try deploy(s, v1)
        try waitForApp(s, "echo") { $0["state"] as? String == "healthy" }
        // A request the old replica holds open (/hang answers nothing for 60 s): its drain waits the 8 s out.
        let hanging = Thread { _ = try? LoopbackClient(port: s.port).get("/apps/echo/hang") }
        hanging.start()
        _ = try waitForApp(s, "echo", timeout: 30) { _ in self.openRequests(s) > 0 }
        // The new spec as a deploy step carries it: healthy within its 2 s grace, but the old replica drains for longer.
        let spec = AppSpec(name: "echo", command: ["python3", "-u", Self.fixture], env: [EnvVar(name: "VERSION", value: "2")],
                           health: HealthCheck(path: "/healthz", interval: DurationValue(milliseconds: 100), timeout: .seconds(1), failures: 2),
                           startupGrace: .seconds(2), requestTimeout: .seconds(8), isPublic: true)
        let plugin = AppDeployTask(pollEvery: .milliseconds(50))
        plugin.attach(s.server.apps, baseURL: { "http://127.0.0.1:\(s.port)" })
        let specJSON = String(decoding: try JSONEncoder().encode(spec), as: UTF8.self)
        let attempt = PluginAttempt(task: PluginTask(name: AppDeploy.taskName("echo"), interface: Interface(),
                                                     config: .map(["spec": .string(specJSON)])),
                                    inputs: [:], name: "r-up-1", runID: "r", node: "up", secret: { _, _ in "" })
        let outcome: (outputs: [String: LiteralValue]?, failure: String?) = try AppContainerTests.blocking {
            do { return (try await plugin.run(attempt), nil) } catch { return (nil, "\(error)") }
        }
        guard let outputs = outcome.outputs else { return XCTFail("the deploy step failed: \(outcome.failure ?? "")") }
        XCTAssertEqual(outputs["url"], .string("http://127.0.0.1:\(s.port)/apps/echo"))
        XCTAssertEqual(try LoopbackClient(port: s.port).get("/apps/echo/v").json["version"] as? String, "2")
    }

    /// Requests the gateway has open to app echo's replicas, as its scaler counts them.
    private func openRequests(_ s: TestServer) -> Int {
        (s.server.apps as? AppRuntime)?.route("echo")?.openRequests ?? 0
    }
}
