import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `sluice apps ...` against a real `sluice serve` whose replicas are real processes.
@Suite(.serialized) struct AppsCommandTests {
    static let fixture = CLI.root.appendingPathComponent("Tests/Fixtures/apps/echo_app.py").path

    static func json(_ text: String) -> [String: Any] {
        ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]) ?? [:]
    }

    /// Polls `apps status NAME -o json` until `done` holds (within about 3 minutes: a guard, not a bound); the last status.
    static func waitFor(_ ws: Workspace, _ server: RemoteServer, _ name: String, _ done: ([String: Any]) -> Bool) async throws -> [String: Any] {
        var last: [String: Any] = [:]
        for _ in 0..<3600 {
            let out = try await ws.sluice(["apps", "status", name, "-o", "json", "--server", server.url])
            last = json(out.stdout)
            if done(last) { return last }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CLIFailure("app \(name) never got there: \(last)")
    }

    @Test func deployStatusScaleLogsStopAndDeleteThroughTheServer() async throws {
        let ws = try Workspace()
        let server = try await RemoteServer.start(ws)
        var stopped = false
        defer { if !stopped { server.terminate() } }
        let file = try ws.write("apps.yaml", """
            apps:
              - name: echo
                command: [python3, -u, "\(Self.fixture)"]
                replicas: 1
                health: {path: /healthz, interval: 100ms, timeout: 1s, failures: 2}
            """)
        let deployed = try await ws.sluice(["apps", "deploy", file, "--server", server.url])
        #expect(deployed.status == 0, "\(deployed.stderr)")
        #expect(deployed.stdout.contains("deployed echo (1 replica) at \(server.url)/apps/echo\n"), "\(deployed.stdout)")
        let healthy = try await Self.waitFor(ws, server, "echo") { $0["state"] as? String == "healthy" }
        #expect(healthy["endpoint"] as? String == "\(server.url)/apps/echo")

        let text = try await ws.sluice(["apps", "status", "echo", "--server", server.url])
        #expect(text.stdout.contains("app echo: healthy, 1/1 healthy, 0 restarts"), "\(text.stdout)")
        let list = try await ws.sluice(["apps", "list", "--server", server.url])
        #expect(list.stdout.contains("echo") && list.stdout.contains("1/1"), "\(list.stdout)")

        #expect(try await ws.sluice(["apps", "scale", "echo", "2", "--server", server.url]).status == 0)
        let two = try await Self.waitFor(ws, server, "echo") { $0["healthy"] as? Int == 2 }
        let pids = ((two["replica_states"] as? [[String: Any]]) ?? []).compactMap { $0["pid"] as? Int }
        #expect(pids.count == 2)

        let logs = try await ws.sluice(["apps", "logs", "echo", "--replica", "1", "--server", server.url])
        #expect(logs.status == 0 && logs.stdout.contains("replica 1 listening on"), "\(logs.stdout)\(logs.stderr)")

        // Stopping the server stops the replicas (the app stays deployed in the store).
        try await server.stop()
        stopped = true
        for pid in pids { #expect(kill(pid_t(pid), 0) != 0, "replica \(pid) outlived the server") }
    }

    @Test func aServerKilledOutrightLeavesNoReplicaBehindOnceItIsBack() async throws {
        let ws = try Workspace()
        let first = try await RemoteServer.start(ws)
        let file = try ws.write("apps.yaml", """
            apps:
              - name: echo
                command: [python3, -u, "\(Self.fixture)"]
                health: {path: /healthz, interval: 100ms, timeout: 1s, failures: 2}
            """)
        #expect(try await ws.sluice(["apps", "deploy", file, "--server", first.url]).status == 0)
        let before = try await Self.waitFor(ws, first, "echo") { $0["state"] as? String == "healthy" }
        let orphan = ((before["replica_states"] as? [[String: Any]]) ?? []).first?["pid"] as? Int ?? 0
        try #require(orphan > 0, "the status names the replica's pid: \(before)")
        let process = first.process
        kill(process.processIdentifier, SIGKILL)
        try await offPool { process.waitUntilExit() }
        #expect(kill(pid_t(orphan), 0) == 0, "a SIGKILLed server cannot stop its replica")
        let second = try await RemoteServer.start(ws)
        defer { second.terminate() }
        let after = try await Self.waitFor(ws, second, "echo") { $0["state"] as? String == "healthy" }
        let pid = ((after["replica_states"] as? [[String: Any]]) ?? []).first?["pid"] as? Int ?? 0
        #expect(pid > 0 && pid != orphan)
        // The orphan was killed (and, our child no longer, reaped by init): gone or a zombie at most.
        let state = (try? String(contentsOfFile: "/proc/\(orphan)/stat", encoding: .utf8))?.split(separator: " ").dropFirst(2).first
        #expect(state == nil || state == "Z", "replica \(orphan) outlived its server's restart: \(state ?? "")")
    }

    @Test func badFilesAndMissingServersAreInputErrors() async throws {
        let ws = try Workspace()
        let broken = try ws.write("apps.yaml", """
            apps:
              - name: echo
                command: [x]
                health: {path: healthz}
            """)
        let server = try await RemoteServer.start(ws)
        defer { server.terminate() }
        let out = try await ws.sluice(["apps", "deploy", broken, "--server", server.url])
        #expect(out.status == 2)
        #expect(out.stderr.contains("apps.yaml:") && out.stderr.contains("health path must start with '/'"), "\(out.stderr)")
        let unknown = try await ws.sluice(["apps", "status", "nope", "--server", server.url])
        #expect(unknown.status == 2 && unknown.stderr.contains("no app named 'nope'"), "\(unknown.stderr)")
        let noServer = try await ws.sluice(["apps", "list"], environment: ["SLUICE_SERVER": ""])
        #expect(noServer.status == 2 && noServer.stderr.contains("apps run on a server"), "\(noServer.stderr)")
    }
}
