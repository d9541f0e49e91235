import Foundation
import SluiceRuntime
import SluiceStore
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Apps under a real server: real replica processes (a Python http.server), real HTTP through `/apps/NAME/`.
final class AppGatewayTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/apps/echo_app.py").path

    /// An apps file running the fixture.
    static func appsFile(name: String = "echo", replicas: Int = 2, isPublic: Bool = true, command: [String]? = nil,
                         requestTimeout: String = "10s") -> String {
        let cmd = (command ?? ["python3", "-u", fixture]).map { "\"\($0)\"" }.joined(separator: ", ")
        return """
            apps:
              - name: \(name)
                command: [\(cmd)]
                replicas: \(replicas)
                health: {path: /healthz, interval: 100ms, timeout: 1s, failures: 2}
                startup_grace: 20s
                request_timeout: \(requestTimeout)
                public: \(isPublic)
            """
    }

    /// A server whose replicas restart fast (50 ms doubling), so crash loops show within a second or two.
    func server(store: String = TestServer.temporaryStore(), adminName: String = "test-admin") throws -> TestServer {
        try TestServer(store: store, adminName: adminName) { c in
            c.appOptions.backoff.initial = 0.05
            c.appOptions.stopGrace = 2
            c.appOptions.idleBeforeZero = 0.5
        }
    }

    func deploy(_ s: TestServer, _ file: String, file line: UInt = #line) throws {
        let reply = try s.client.post("/api/v1/apps", json: ["file": file, "filename": "apps.yaml"])
        XCTAssertEqual(reply.status, 201, reply.text, line: line)
    }


    static func replicas(_ status: [String: Any]) -> [[String: Any]] { status["replica_states"] as? [[String: Any]] ?? [] }

    func testAppIsReachedThroughTheGatewayRoundRobinWithForwardedHeaders() throws {
        let s = try server()
        defer { s.stop() }
        try deploy(s, Self.appsFile())
        try waitForApp(s, "echo") { $0["state"] as? String == "healthy" }
        let gateway = LoopbackClient(port: s.port)
        var seen = Set<String>()
        for _ in 0..<4 {
            let reply = try gateway.get("/apps/echo/items?id=7", headers: ["X-Forwarded-For": "10.0.0.9"])
            XCTAssertEqual(reply.status, 200, reply.text)
            XCTAssertEqual(reply.json["path"] as? String, "/items?id=7")
            let headers = reply.json["headers"] as? [String: Any] ?? [:]
            XCTAssertEqual(headers["X-Forwarded-For"] as? String, "10.0.0.9, 127.0.0.1")
            XCTAssertEqual(headers["X-Forwarded-Proto"] as? String, "http")
            XCTAssertEqual(headers["X-Forwarded-Host"] as? String, "127.0.0.1")
            XCTAssertEqual(headers["X-Forwarded-Prefix"] as? String, "/apps/echo")
            seen.insert(reply.json["replica"] as? String ?? "?")
        }
        XCTAssertEqual(seen, ["0", "1"], "both replicas answer in turn")
        // A request body streams up to the replica and back.
        let payload = Data((0..<200_000).map { UInt8($0 % 251) })
        let echoed = try gateway.post("/apps/echo/echo", raw: payload)
        XCTAssertEqual(echoed.status, 200)
        XCTAssertEqual(echoed.body, payload)
        let unknown = try gateway.get("/apps/nothing/")
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(unknown.error["code"] as? String, "no-app")
    }

    func testKilledReplicaIsRestartedWhileTheOtherKeepsAnswering() throws {
        let s = try server()
        defer { s.stop() }
        try deploy(s, Self.appsFile())
        let before = try waitForApp(s, "echo") { $0["state"] as? String == "healthy" }
        let victim = Self.replicas(before).first { $0["index"] as? Int == 0 }?["pid"] as? Int ?? 0
        XCTAssertGreaterThan(victim, 0)
        XCTAssertEqual(kill(pid_t(victim), SIGKILL), 0)
        let gateway = LoopbackClient(port: s.port)
        for _ in 0..<10 {
            let reply = try gateway.get("/apps/echo/")
            XCTAssertEqual(reply.status, 200, reply.text)
        }
        let after = try waitForApp(s, "echo") { status in
            let r0 = Self.replicas(status).first { $0["index"] as? Int == 0 } ?? [:]
            return r0["state"] as? String == "healthy" && r0["restarts"] as? Int == 1
        }
        let r0 = Self.replicas(after).first { $0["index"] as? Int == 0 } ?? [:]
        XCTAssertNotEqual(r0["pid"] as? Int, victim)
        XCTAssertEqual(r0["last_exit"] as? String, "killed by signal 9 (SIGKILL)")
        XCTAssertEqual(after["last_error"] as? String, "killed by signal 9 (SIGKILL)")
        XCTAssertEqual(after["restarts"] as? Int, 1)
    }

    func testCrashingAppReachesCrashLoopWithItsExitCode() throws {
        let s = try server()
        defer { s.stop() }
        try deploy(s, Self.appsFile(name: "crasher", replicas: 1, command: ["python3", "-c", "import sys; print('boom'); sys.exit(3)"]))
        let status = try waitForApp(s, "crasher") { $0["state"] as? String == "crash-loop" }
        XCTAssertEqual(status["last_error"] as? String, "exited with code 3")
        XCTAssertGreaterThanOrEqual(status["restarts"] as? Int ?? 0, 3)
        let reply = try LoopbackClient(port: s.port).get("/apps/crasher/")
        XCTAssertEqual(reply.status, 503)
        XCTAssertEqual(reply.error["code"] as? String, "no-healthy-replica")
        let logs = try s.client.get("/api/v1/apps/crasher/logs?replica=0")
        XCTAssertEqual(logs.status, 200)
        XCTAssertTrue(logs.text.contains("boom"), logs.text)
    }

    func testStreamingResponsePassesThroughChunkByChunk() throws {
        let s = try server()
        defer { s.stop() }
        try deploy(s, Self.appsFile(replicas: 1))
        try waitForApp(s, "echo") { $0["state"] as? String == "healthy" }
        let connection = try Connection(port: s.port)
        defer { connection.close() }
        connection.write(LoopbackClient.head("GET", "/apps/echo/stream", body: nil, headers: [:]))
        var received = ""
        while !received.contains("first\n"), let data = connection.read() { received += String(decoding: data, as: UTF8.self) }
        XCTAssertTrue(received.contains("first\n"), received)
        XCTAssertFalse(received.contains("second"), "the second chunk is not written before the release file exists")
        XCTAssertTrue(received.lowercased().contains("transfer-encoding: chunked"), received)
        // The app writes its second chunk only now: the first one reached the client on its own.
        XCTAssertTrue(FileManager.default.createFile(atPath: s.store + "/apps/echo/release", contents: Data()))
        while !received.contains("second\n"), let data = connection.read() { received += String(decoding: data, as: UTF8.self) }
        XCTAssertTrue(received.contains("second\n"), received)
    }

    func testPrivateAppNeedsAViewerTokenAndDoesNotSeeIt() throws {
        let s = try server()
        defer { s.stop() }
        try deploy(s, Self.appsFile(name: "private", replicas: 1, isPublic: false))
        try waitForApp(s, "private") { $0["state"] as? String == "healthy" }
        let anonymous = try LoopbackClient(port: s.port).get("/apps/private/")
        XCTAssertEqual(anonymous.status, 401)
        XCTAssertEqual(anonymous.error["code"] as? String, "unauthorized")
        let wrong = try LoopbackClient(port: s.port, token: "slc_not-a-token").get("/apps/private/")
        XCTAssertEqual(wrong.status, 401)
        let viewer = try s.client(as: "reader", role: .viewer)
        let reply = try viewer.get("/apps/private/x")
        XCTAssertEqual(reply.status, 200, reply.text)
        let headers = reply.json["headers"] as? [String: Any] ?? [:]
        XCTAssertTrue(headers["Authorization"] is NSNull, "the sluice token is not passed on: \(headers)")
        // Changing apps needs an operator.
        let refused = try viewer.post("/api/v1/apps/private/scale", json: ["replicas": 2])
        XCTAssertEqual(refused.status, 403)
    }

    func testDeployedAppsComeBackAfterTheServerRestartsAndStopWithIt() throws {
        let store = TestServer.temporaryStore()
        let first = try server(store: store)
        try deploy(first, Self.appsFile(replicas: 1))
        let status = try waitForApp(first, "echo") { $0["state"] as? String == "healthy" }
        let pid = Self.replicas(status).first?["pid"] as? Int ?? 0
        XCTAssertGreaterThan(pid, 0, "the status names the replica's pid")
        first.stop(keepStore: true)
        // Gone, or a zombie its parent (this process) has yet to reap: polled, as a guard against hanging only.
        let deadline = Date().addingTimeInterval(60)
        func alive() -> Bool {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
            return stat[stat.index(close, offsetBy: 2)] != "Z"
        }
        while alive(), Date() < deadline { usleep(20_000) }
        XCTAssertFalse(alive(), "the replica ended with the server")
        let second = try server(store: store, adminName: "second-admin")
        defer { second.stop() }
        try waitForApp(second, "echo") { $0["state"] as? String == "healthy" }
        XCTAssertEqual(try LoopbackClient(port: second.port).get("/apps/echo/").status, 200)
        // Scaled, stopped, started, deleted through the API.
        XCTAssertEqual(try second.client.post("/api/v1/apps/echo/scale", json: ["replicas": 2]).status, 200)
        try waitForApp(second, "echo") { $0["healthy"] as? Int == 2 }
        XCTAssertEqual(try second.client.post("/api/v1/apps/echo/stop", json: [:] as [String: Any]).status, 200)
        try waitForApp(second, "echo") { $0["state"] as? String == "stopped" && Self.replicas($0).isEmpty }
        XCTAssertEqual(try second.client.post("/api/v1/apps/echo/start", json: [:] as [String: Any]).status, 200)
        try waitForApp(second, "echo") { $0["healthy"] as? Int == 2 }
        XCTAssertEqual(try second.client.send("DELETE", "/api/v1/apps/echo", body: nil, headers: [:]).status, 204)
        XCTAssertEqual(try second.client.get("/api/v1/apps/echo").status, 404)
    }

    func testAnAppScaledToZeroWakesOnARequestAndGoesBackWhenIdle() throws {
        let s = try server()
        defer { s.stop() }
        let file = Self.appsFile(name: "lazy", replicas: 1).replacingOccurrences(of: "replicas: 1", with: "replicas: {min: 0, max: 1}")
        try deploy(s, file)
        let idle = try s.client.get("/api/v1/apps/lazy").json
        XCTAssertEqual(idle["state"] as? String, "idle")
        XCTAssertEqual(Self.replicas(idle).count, 0, "nothing runs before the first request")
        // The first request is held until a replica is healthy, then answered.
        let reply = try LoopbackClient(port: s.port).get("/apps/lazy/first")
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.json["path"] as? String, "/first")
        let awake = try s.client.get("/api/v1/apps/lazy").json
        XCTAssertEqual(awake["healthy"] as? Int, 1)
        // No requests for the idle period: back to no replicas.
        try waitForApp(s, "lazy") { $0["state"] as? String == "idle" && Self.replicas($0).isEmpty }
    }

    func testASilentReplicaGets504AfterTheRequestTimeout() throws {
        let s = try server()
        defer { s.stop() }
        try deploy(s, Self.appsFile(replicas: 1, requestTimeout: "500ms"))
        try waitForApp(s, "echo") { $0["state"] as? String == "healthy" }
        let reply = try LoopbackClient(port: s.port).get("/apps/echo/hang")
        XCTAssertEqual(reply.status, 504)
        XCTAssertEqual(reply.error["code"] as? String, "app-timeout")
        XCTAssertEqual(try LoopbackClient(port: s.port).get("/apps/echo/").status, 200, "other requests still pass")
    }

    func testAReplicaGetsItsSecretFromTheStoreFolderAndAMissingOneIsRefusedAtDeploy() throws {
        let store = TestServer.temporaryStore()
        let s = try server(store: store)
        defer { s.stop() }
        let file = Self.appsFile(name: "sec", replicas: 1) + "\n    secrets: [{name: app-version, env: VERSION}]\n"
        // Not in the folder yet: refused before anything is recorded, naming the app and the secret.
        let refused = try s.client.post("/api/v1/apps", json: ["file": file, "filename": "apps.yaml"])
        XCTAssertEqual(refused.status, 422, refused.text)
        let message = refused.error["message"] as? String ?? ""
        XCTAssertTrue(message.contains("app 'sec'") && message.contains("apps.sec.secrets[0].name") && message.contains("secret 'app-version'"), message)
        XCTAssertEqual(try s.client.get("/api/v1/apps/sec").status, 404)
        let pathFile = Self.appsFile(name: "sec", replicas: 1) + "\n    secrets: [{name: app-version, path: /etc/v}]\n"
        let noPath = try s.client.post("/api/v1/apps", json: ["file": pathFile, "filename": "apps.yaml"])
        XCTAssertEqual(noPath.status, 422, noPath.text)
        XCTAssertTrue((noPath.error["message"] as? String ?? "").contains("cannot mount secret 'app-version' at a path"), noPath.text)

        let value = "s3cr3t-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: store + "/secrets", withIntermediateDirectories: true)
        try (value + "\n").write(toFile: store + "/secrets/app-version", atomically: true, encoding: .utf8)
        try deploy(s, file)
        try waitForApp(s, "sec") { $0["state"] as? String == "healthy" }
        let reply = try LoopbackClient(port: s.port).get("/apps/sec/whoami")
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.json["version"] as? String, value, "the replica sees the secret (trailing newline dropped)")
        // Its value is not in the app's view, the list or the replica's log.
        for text in [try s.client.get("/api/v1/apps/sec").text, try s.client.get("/api/v1/apps").text, try s.client.get("/api/v1/apps/sec/logs").text] {
            XCTAssertFalse(text.contains(value), text)
        }
    }

    func testBadAppsFileIsRefusedWithItsPlace() throws {
        let s = try server()
        defer { s.stop() }
        let reply = try s.client.post("/api/v1/apps", json: ["file": "apps:\n  - name: x\n    port: 70000\n    command: [a]\n"])
        XCTAssertEqual(reply.status, 422)
        XCTAssertEqual(reply.error["code"] as? String, "invalid-apps")
        XCTAssertTrue((reply.error["message"] as? String ?? "").contains("port"), "\(reply.error)")
    }
}
