import DockerEngine
import Foundation
import SluiceModel
import SluiceRuntime
import SluiceStore
import XCTest

/// Apps under a real server on the container backend: each replica a real container (Podman or Docker) of a
/// locally built Python image, reached through the real gateway.
final class AppContainerTests: XCTestCase {
    static let image = "localhost/python:3.11-slim"

    /// A server on an engine with `image` ($DOCKER_HOST); skipped without one, except under CI.
    func engine() throws -> (client: EngineClient, socket: String) {
        let host = ProcessInfo.processInfo.environment["DOCKER_HOST"] ?? ""
        guard let endpoint = EngineEndpoint.parse(host, source: "DOCKER_HOST") else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail("CI needs DOCKER_HOST") }
            throw XCTSkip("no container engine: export DOCKER_HOST=unix:///path/to/engine.sock")
        }
        let client = EngineClient(endpoint: endpoint)
        let present = try Self.blocking { try await client.imageExists(Self.image) }
        if !present { throw XCTSkip("the engine has no \(Self.image) (scripts/container-engine.sh builds it)") }
        return (client, endpoint.socketPath)
    }

    func server(store: String = TestServer.temporaryStore(), client: EngineClient, adminName: String = "test-admin") throws -> TestServer {
        try TestServer(store: store, adminName: adminName) { c in
            c.backend = ContainerBackend(client: client, root: store + "/attempts",
                                         secrets: LocalSecrets(directory: LocalSecrets.directory(forStore: store)))
            c.appOptions.backoff.initial = 0.05
            c.appOptions.stopGrace = 2
        }
    }

    /// A tiny HTTP server for the container: answers every GET with its replica, `$PORT` and path; logs each request.
    static let script = """
        import http.server, os, signal
        signal.signal(signal.SIGUSR1, lambda *_: os._exit(3))
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = ("replica %s port %s path %s" % (os.environ["SLUICE_REPLICA"], os.environ["PORT"], self.path)).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, fmt, *args):
                print("served " + self.path, flush=True)
        print("listening on " + os.environ["PORT"], flush=True)
        http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), H).serve_forever()
        """

    /// An apps file (JSON, which the YAML reader takes) with one app of `image`.
    static func appsFile(name: String = "web", image: String = AppContainerTests.image, command: [String]? = ["python3", "-u", "-c", script],
                         args: [String]? = nil, extra: [String: Any] = [:]) throws -> String {
        var app: [String: Any] = ["name": name, "image": image, "port": 8080, "public": true, "startup_grace": "120s",
                                  "health": ["path": "/healthz", "interval": "100ms", "timeout": "2s", "failures": 3]]
        if let command { app["command"] = command }
        if let args { app["args"] = args }
        app.merge(extra) { _, new in new }
        return String(decoding: try JSONSerialization.data(withJSONObject: ["apps": [app]]), as: UTF8.self)
    }

    func deploy(_ s: TestServer, _ file: String, status: Int = 201, line: UInt = #line) throws -> LoopbackClient.Reply {
        let reply = try s.client.post("/api/v1/apps", json: ["file": file, "filename": "apps.yaml"])
        XCTAssertEqual(reply.status, status, reply.text, line: line)
        return reply
    }

    /// Containers start slower than processes: the status wait allows 180 s.
    @discardableResult
    func waitForApp(_ s: TestServer, _ name: String, line: UInt = #line, _ done: ([String: Any]) -> Bool) throws -> [String: Any] {
        try waitForApp(s, name, timeout: 180, line: line, done)
    }

    static func replica0(_ status: [String: Any]) -> [String: Any] {
        (status["replica_states"] as? [[String: Any]] ?? []).first { $0["index"] as? Int == 0 } ?? [:]
    }

    /// The app containers of `store` the engine knows.
    func containers(_ client: EngineClient, store: String, app: String? = nil) throws -> [ContainerSummary] {
        try Self.blocking { try await client.listContainers(labels: ["sluice.dev/managed": "true", "sluice.dev/store": store]) }
            .filter { $0.labels["sluice.dev/app"] != nil && (app == nil || $0.labels["sluice.dev/app"] == app) }
    }

    func testAContainerReplicaIsReachedThroughTheGatewayRestartedAfterAKillAndRemovedWithItsApp() throws {
        let (client, _) = try engine()
        let s = try server(client: client)
        defer { s.stop() }
        let store = try XCTUnwrap(s.server.configuration.backend as? ContainerBackend).storeID
        _ = try deploy(s, Self.appsFile(extra: ["resources": ["limits": ["memory": "256Mi", "cpu": "500m"]]]))
        let healthy = try waitForApp(s, "web") { $0["state"] as? String == "healthy" }
        let first = Self.replica0(healthy)
        XCTAssertNil(first["pid"], "a container replica has no local pid: \(first)")
        let container = try XCTUnwrap(first["container"] as? String, "\(first)")
        // Through the gateway: the app listens on its `port` (8080) inside, published on the replica's loopback port.
        let reply = try LoopbackClient(port: s.port).get("/apps/web/hello?x=1")
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.text, "replica 0 port 8080 path /hello?x=1")
        XCTAssertNotEqual(first["port"] as? Int, 8080)
        let running = try containers(client, store: store, app: "web")
        XCTAssertEqual(running.count, 1, "\(running)")
        XCTAssertTrue(running.first?.id.hasPrefix(container) == true, "\(running) \(container)")
        XCTAssertEqual(running.first?.labels["sluice.dev/replica"], "0")
        let info = try XCTUnwrap(try Self.blocking { try await client.inspectContainer(container) })
        XCTAssertEqual(info.memoryLimit, 256 << 20, "resources.limits.memory is the container's limit")

        // Ended behind the server's back: restarted as a new container, with the exit as the last error. (SIGUSR1
        // makes the app exit 3: a SIGKILL from outside under a memory limit reads as out of memory, since Podman may
        // not set its OOM flag.)
        try Self.blocking { try await client.killContainer(container, signal: "USR1") }
        let after = try waitForApp(s, "web") { status in
            let r0 = Self.replica0(status)
            return r0["state"] as? String == "healthy" && r0["restarts"] as? Int == 1
        }
        let second = Self.replica0(after)
        XCTAssertNotEqual(second["container"] as? String, container)
        XCTAssertEqual(after["restarts"] as? Int, 1)
        XCTAssertEqual(after["last_error"] as? String, "exited with code 3")
        XCTAssertNil(try Self.blocking { try await client.inspectContainer(container) }, "the killed container was removed")
        XCTAssertEqual(try LoopbackClient(port: s.port).get("/apps/web/again").text, "replica 0 port 8080 path /again")

        // Both containers' output is in the replica's log (the running one's is copied as it comes).
        var logs = ""
        let deadline = Date().addingTimeInterval(60)
        while !logs.contains("served /again") && Date() < deadline {
            let reply = try s.client.get("/api/v1/apps/web/logs?replica=0")
            XCTAssertEqual(reply.status, 200)
            logs = reply.text
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertEqual(logs.components(separatedBy: "listening on 8080").count - 1, 2, logs)
        XCTAssertTrue(logs.contains("served /hello?x=1") && logs.contains("served /again"), logs)

        // Stop removes the container; start brings one back; delete removes it for good.
        XCTAssertEqual(try s.client.post("/api/v1/apps/web/stop", json: [:]).status, 200)
        XCTAssertEqual(try containers(client, store: store), [])
        XCTAssertEqual(try s.client.post("/api/v1/apps/web/start", json: [:]).status, 200)
        try waitForApp(s, "web") { $0["state"] as? String == "healthy" }
        XCTAssertEqual(try containers(client, store: store).count, 1)
        XCTAssertEqual(try s.client.send("DELETE", "/api/v1/apps/web", body: nil, headers: [:]).status, 204)
        XCTAssertEqual(try containers(client, store: store), [])
    }

    /// The listener task containers that `uses:` an app reach: on the bridge network's gateway address, only the
    /// gateway of public apps (a scaled-to-zero one woken by the request), closed with the server, and on the same
    /// port again for the next server of the store.
    func testTheBridgeListenerServesOnlyPublicAppsClosesWithTheServerAndKeepsItsPort() throws {
        let (client, _) = try engine()
        let store = TestServer.temporaryStore()
        let s = try server(store: store, client: client)
        let url = try XCTUnwrap(try Self.blocking { await s.server.containerAppGatewayURL() }, "the listener opened at start")
        let bridge = try XCTUnwrap(try Self.blocking { try await client.network(ContainerBackend.appNetwork) })
        let address = try XCTUnwrap(url.range(of: #"^http://([0-9.]+):(\d+)$"#, options: .regularExpression).map { _ in url.dropFirst(7).split(separator: ":") })
        let (host, port) = (String(address[0]), try XCTUnwrap(Int(address[1])))
        XCTAssertTrue(bridge.gateways.contains(host), "\(url) is on the bridge network \(bridge)")
        let there = LoopbackClient(port: port, host: host)
        let auth = ["Authorization": "Bearer \(s.adminToken)"]

        _ = try deploy(s, Self.appsFile(extra: ["replicas": ["min": 0, "max": 1]]))
        _ = try deploy(s, Self.appsFile(name: "hidden", extra: ["public": false]))
        try waitForApp(s, "web") { $0["state"] as? String == "idle" }
        // Scale to zero wakes through this listener as through the main one.
        let woken = try there.get("/apps/web/hi")
        XCTAssertEqual(woken.status, 200, woken.text)
        XCTAssertEqual(woken.text, "replica 0 port 8080 path /hi")
        let hidden = try there.get("/apps/hidden/hi", headers: auth)
        XCTAssertEqual(hidden.status, 403, hidden.text)
        XCTAssertEqual(hidden.error["code"] as? String, "not-public")
        for path in ["/api/v1/apps", "/", "/metrics", "/apps/"] {
            let reply = try there.get(path, headers: auth)
            XCTAssertEqual(reply.status, 404, "\(path): \(reply.text)")
        }
        XCTAssertEqual(try s.client.get("/api/v1/apps").status, 200)

        s.stop(keepStore: true)
        XCTAssertThrowsError(try there.get("/apps/web/hi"), "the listener closed with the server")
        let again = try server(store: store, client: client, adminName: "second-admin")
        defer { again.stop() }
        XCTAssertEqual(try Self.blocking { await again.server.containerAppGatewayURL() }, url)
    }

    func testAContainerReplicaGetsItsSecretsAsAVariableAndABindMountedFile() throws {
        let (client, _) = try engine()
        let store = TestServer.temporaryStore()
        let s = try server(store: store, client: client)
        defer { s.stop() }
        let secrets: [[String: Any]] = [["name": "api", "key": "token", "env": "API_TOKEN"], ["name": "cert", "path": "/etc/app/cert"]]
        let script = """
            import http.server, os
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    body = ("token %s cert %s" % (os.environ.get("API_TOKEN"), open("/etc/app/cert").read().strip())).encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
            http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), H).serve_forever()
            """
        let file = try Self.appsFile(name: "sec", command: ["python3", "-u", "-c", script], extra: ["secrets": secrets])
        let missing = try deploy(s, file, status: 422)
        XCTAssertTrue(missing.text.contains("app 'sec'") && missing.text.contains("secret 'api' key 'token'"), missing.text)
        try FileManager.default.createDirectory(atPath: store + "/secrets/api", withIntermediateDirectories: true)
        let token = "tok-\(UUID().uuidString)", cert = "cert-\(UUID().uuidString)"
        try token.write(toFile: store + "/secrets/api/token", atomically: true, encoding: .utf8)
        try cert.write(toFile: store + "/secrets/cert", atomically: true, encoding: .utf8)
        _ = try deploy(s, file)
        try waitForApp(s, "sec") { $0["state"] as? String == "healthy" }
        let reply = try LoopbackClient(port: s.port).get("/apps/sec/")
        XCTAssertEqual(reply.text, "token \(token) cert \(cert)")
        let view = try s.client.get("/api/v1/apps/sec").text
        XCTAssertFalse(view.contains(token) || view.contains(cert), view)
    }

    func testAnImageAloneRunsItsDefaultEntrypointWithArgsAndAMissingImageIsNamed() throws {
        let (client, _) = try engine()
        let s = try server(client: client)
        defer { s.stop() }
        // No command: the args are the image's CMD (python:3.11-slim has no entrypoint).
        _ = try deploy(s, Self.appsFile(name: "bare", command: nil, args: ["python3", "-u", "-c", Self.script]))
        try waitForApp(s, "bare") { $0["state"] as? String == "healthy" }
        XCTAssertEqual(try LoopbackClient(port: s.port).get("/apps/bare/x").text, "replica 0 port 8080 path /x")

        _ = try deploy(s, Self.appsFile(name: "ghost", image: "localhost/no-such-image:1"))
        let ghost = try waitForApp(s, "ghost") { $0["state"] as? String == "crash-loop" }
        let reason = ghost["last_error"] as? String ?? ""
        XCTAssertTrue(reason.hasPrefix("image 'localhost/no-such-image:1' is not in the container engine and cannot be pulled"), reason)
    }

    func testARestartedServerRemovesTheContainersADeadOneLeftAndBringsItsAppsBack() throws {
        let (client, _) = try engine()
        let store = TestServer.temporaryStore()
        defer { try? FileManager.default.removeItem(atPath: store) }
        let first = try server(store: store, client: client)
        let storeID = try XCTUnwrap(first.server.configuration.backend as? ContainerBackend).storeID
        _ = try deploy(first, Self.appsFile())
        try waitForApp(first, "web") { $0["state"] as? String == "healthy" }
        first.stop(keepStore: true)
        XCTAssertEqual(try containers(client, store: storeID), [], "a graceful stop removes the replicas")

        // What a server killed outright leaves: a running replica container of this store (and one of another store).
        func leftover(_ name: String, store: String) throws {
            var config = ContainerConfig(image: Self.image)
            config.entrypoint = ["sleep", "600"]
            config.labels = ["sluice.dev/managed": "true", "sluice.dev/store": store, "sluice.dev/app": "web",
                             "sluice.dev/replica": "0", "sluice.dev/generation": "0"]
            let body = config
            try Self.blocking {
                _ = try await client.createContainer(name: name, body)
                try await client.startContainer(name)
            }
        }
        let ours = "sluice-\(storeID)-leftover-\(UUID().uuidString.prefix(8))"
        let theirs = "sluice-other-leftover-\(UUID().uuidString.prefix(8))"
        try leftover(ours, store: storeID)
        try leftover(theirs, store: "0ther\(UUID().uuidString.prefix(3))")
        defer { _ = try? Self.blocking { try await client.removeContainer(theirs, force: true) } }

        let second = try server(store: store, client: client, adminName: "second-admin")
        defer { second.stop() }
        // The server restores its apps before it listens: the leftover is gone by now.
        XCTAssertNil(try Self.blocking { try await client.inspectContainer(ours) }, "the dead server's replica was removed")
        XCTAssertNotNil(try Self.blocking { try await client.inspectContainer(theirs) }, "another store's container stays")
        try waitForApp(second, "web") { $0["state"] as? String == "healthy" }
        XCTAssertEqual(try LoopbackClient(port: second.port).get("/apps/web/back").text, "replica 0 port 8080 path /back")
        XCTAssertEqual(try containers(client, store: storeID).count, 1)
    }

    func testAReplicaOverItsMemoryLimitIsReportedOutOfMemory() throws {
        let (client, _) = try engine()
        let s = try server(client: client)
        defer { s.stop() }
        _ = try deploy(s, Self.appsFile(name: "hog", command: ["python3", "-c", "x = bytearray(300 * 1024 * 1024); print(len(x))"],
                                        extra: ["resources": ["limits": ["memory": "64Mi"]]]))
        let status = try waitForApp(s, "hog") { $0["state"] as? String == "crash-loop" }
        XCTAssertEqual(status["last_error"] as? String, "exited with code 137 (out of memory: memory limit 64Mi)")
    }

    func testEachBackendRefusesTheFieldsItCannotHonourNamingThem() throws {
        // No engine is needed to refuse: this one has no socket at all.
        let store = TestServer.temporaryStore()
        let client = EngineClient(endpoint: EngineEndpoint(socketPath: store + "/no-engine.sock", source: "test"))
        let containers = try server(store: store, client: client)
        defer { containers.stop() }
        let gpuNode = try deploy(containers, Self.appsFile(extra: ["resources": ["accelerator": "nvidia-tesla-a100"]]), status: 422)
        XCTAssertEqual(gpuNode.error["message"] as? String,
                       "app 'web': resources.accelerator picks Kubernetes nodes; the container backend cannot honour it (remove it, or ask for resources.limits.gpu)")
        let disk = try deploy(containers, Self.appsFile(extra: ["resources": ["limits": ["ephemeral_storage": "1Gi"]]]), status: 422)
        XCTAssertTrue((disk.error["message"] as? String ?? "").contains("ephemeral_storage"), disk.text)
        let noImage = try deploy(containers, Self.appsFile(image: ""), status: 422)
        XCTAssertTrue((noImage.error["message"] as? String ?? "").contains("has no image"), noImage.text)
        XCTAssertEqual((try containers.client.get("/api/v1/apps").json["apps"] as? [Any])?.count, 0, "nothing refused was recorded")

        // The local backend runs commands: an image alone is refused with where to run it instead.
        let local = try TestServer()
        defer { local.stop() }
        let imageOnly = try deploy(local, Self.appsFile(command: nil), status: 422)
        XCTAssertEqual(imageOnly.error["message"] as? String,
                       "app 'web' has no command: the local backend runs 'command' (an image alone needs the container backend: sluice serve --backend container)")
    }

    /// Runs async engine calls from these synchronous tests (on a thread of XCTest's, never the Swift pool).
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = Box<T>()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
            done.signal()
        }
        guard done.wait(timeout: .now() + 180) == .success, let result = box.result else { throw XCTSkip("the engine did not answer in 180 s") }
        return try result.get()
    }

    private final class Box<T>: @unchecked Sendable { var result: Result<T, any Error>? }
}
