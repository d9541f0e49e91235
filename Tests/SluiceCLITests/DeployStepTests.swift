import Foundation
import Testing

/// `deploy: NAME` steps and `uses: [NAME]` tasks run by a real `sluice serve`, whose app replicas are real processes.
@Suite struct DeployStepTests {
    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    static let echo = """
          - name: echo
            command: [python3, -u, "\(AppsCommandTests.fixture)"]
            public: true
            health: {path: /healthz, interval: 100ms, timeout: 1s, failures: 2}
        """

    @Test func aFlowDeploysAnAppThenATaskCallsItThroughItsURLAndAnotherSpecRollsItOver() async throws {
        let ws = try Workspace()
        let server = try await RemoteServer.start(ws)
        defer { server.terminate() }
        let flow = try ws.write("ship.yaml", """
            name: ship
            outputs: {url: up.url, answer: ask.answer}
            tasks:
              ask:
                uses: [echo]
                outputs: {answer: json}
                command: [sh, -c, "printf '{\\"answer\\": %s}' \\"$(curl -fsS $SLUICE_APP_ECHO_URL/hello)\\" > $SLUICE_OUTPUTS"]
            steps:
              - {name: Deploy, id: up, deploy: echo}
              - {name: Ask, id: ask, task: ask}
            apps:
            \(Self.echo)
            """)
        let out = try await ws.sluice(["submit", flow, "--wait", "-o", "json", "--server", server.url])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        let outputs = Self.json(out.stdout)["outputs"] as? [String: Any] ?? [:]
        #expect(outputs["url"] as? String == "\(server.url)/apps/echo", "\(out.stdout)")
        // The app's own answer, reached through the gateway: the path it saw and the gateway's forwarding headers.
        let answer = outputs["answer"] as? [String: Any] ?? [:]
        #expect(answer["path"] as? String == "/hello", "\(out.stdout)")
        let status = try await ws.sluice(["apps", "status", "echo", "-o", "json", "--server", server.url])
        #expect(Self.json(status.stdout)["state"] as? String == "healthy", "\(status.stdout)")

        // Deploying the same spec again restarts nothing: the step only waits (what a controller restart repeats).
        let pids = (Self.json(status.stdout)["replica_states"] as? [[String: Any]] ?? []).compactMap { $0["pid"] as? Int }
        let again = try await ws.sluice(["submit", flow, "--wait", "-o", "json", "--server", server.url])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        let after = try await ws.sluice(["apps", "status", "echo", "-o", "json", "--server", server.url])
        let pidsAfter = (Self.json(after.stdout)["replica_states"] as? [[String: Any]] ?? []).compactMap { $0["pid"] as? Int }
        #expect(!pids.isEmpty && pids == pidsAfter, "\(status.stdout)\n\(after.stdout)")

        // Another spec: the step rolls the app over and succeeds once the new replicas serve.
        let text = try String(contentsOfFile: flow, encoding: .utf8)
        let v2 = try ws.write("ship2.yaml", text.replacingOccurrences(of: "    public: true", with: "    public: true\n    env: {VERSION: \"2\"}"))
        let updated = try await ws.sluice(["submit", v2, "--wait", "-o", "json", "--server", server.url])
        #expect(updated.status == 0, "\(updated.stdout)\(updated.stderr)")
        let answer2 = (Self.json(updated.stdout)["outputs"] as? [String: Any])?["answer"] as? [String: Any] ?? [:]
        #expect(answer2["version"] as? String == "2", "\(updated.stdout)")
        let rolled = try await ws.sluice(["apps", "status", "echo", "-o", "json", "--server", server.url])
        let pidsRolled = (Self.json(rolled.stdout)["replica_states"] as? [[String: Any]] ?? []).compactMap { $0["pid"] as? Int }
        #expect(!pidsRolled.isEmpty && Set(pidsRolled).isDisjoint(with: pids), "\(rolled.stdout)")
    }

    @Test func theDeployExampleRunsUnderServe() async throws {
        let ws = try Workspace()
        let server = try await RemoteServer.start(ws)
        defer { server.terminate() }
        let example = CLI.root.appendingPathComponent("examples/deploy.yaml").path
        let out = try await ws.sluice(["submit", example, "--wait", "-o", "json", "--server", server.url])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        let outputs = Self.json(out.stdout)["outputs"] as? [String: Any] ?? [:]
        #expect((outputs["reply"] as? [String: Any])?["hello"] as? String == "from /hello", "\(out.stdout)")
    }

    @Test func aDeployThatCrashLoopsFailsItsStepWithTheExitReason() async throws {
        let ws = try Workspace()
        let server = try await RemoteServer.start(ws)
        defer { server.terminate() }
        let flow = try ws.write("crash.yaml", """
            name: crash
            nodes:
              - {id: up, deploy: broken}
            apps:
              - name: broken
                command: [sh, -c, "echo going down >&2; exit 7"]
                health: {path: /healthz, interval: 100ms, timeout: 1s, failures: 2}
            """)
        let out = try await ws.sluice(["submit", flow, "--wait", "-o", "json", "--server", server.url])
        #expect(out.status == 1, "\(out.stdout)\(out.stderr)")
        #expect(Self.json(out.stdout)["state"] as? String == "failed", "\(out.stdout)")
        let status = try await ws.sluice(["status", Self.json(out.stdout)["run"] as? String ?? "", "-o", "json", "--server", server.url])
        #expect(status.stdout.contains("app 'broken' is in crash-loop: replica 0 exited with code 7"), "\(status.stdout)")
    }

    @Test func aDeployStepInterruptedByAControllerKillRunsAgainAndSucceedsOnceTheAppIsUp() async throws {
        let ws = try Workspace()
        let first = try await RemoteServer.start(ws)
        let release = ws.dir.appendingPathComponent("release").path
        // The replica starts listening only once the test says so: the deploy step is still waiting when the server dies.
        let flow = try ws.write("slow.yaml", """
            name: slow
            outputs: {url: up.url}
            nodes:
              - {id: up, deploy: slow}
            apps:
              - name: slow
                command: [sh, -c, "while [ ! -e '\(release)' ]; do sleep 0.05; done; exec python3 -u '\(AppsCommandTests.fixture)'"]
                startup_grace: 10m
                health: {path: /healthz, interval: 100ms, timeout: 1s, failures: 2}
            """)
        #expect(try await ws.sluice(["submit", flow, "--run-id", "slow1", "--server", first.url]).status == 0)
        _ = try await AppsCommandTests.waitFor(ws, first, "slow") { $0["state"] as? String == "starting" }
        let process = first.process
        kill(process.processIdentifier, SIGKILL)
        try await offPool { process.waitUntilExit() }

        let second = try await RemoteServer.start(ws)
        defer { second.terminate() }
        FileManager.default.createFile(atPath: release, contents: Data())
        var state: [String: Any] = [:]
        for _ in 0..<2400 {
            state = Self.json(try await ws.sluice(["status", "slow1", "-o", "json", "--server", second.url]).stdout)
            if ["succeeded", "failed"].contains(state["state"] as? String ?? "") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(state["state"] as? String == "succeeded", "\(state)")
        #expect((state["outputs"] as? [String: Any])?["url"] as? String == "\(second.url)/apps/slow", "\(state)")
        let app = try await ws.sluice(["apps", "status", "slow", "-o", "json", "--server", second.url])
        #expect(Self.json(app.stdout)["state"] as? String == "healthy", "\(app.stdout)")
    }

    @Test func sluiceRunRefusesDeployStepsAndUsesNamingTheirPlace() async throws {
        let ws = try Workspace()
        let flow = try ws.write("ship.yaml", """
            name: ship
            tasks:
              ask: {uses: [echo], command: [sh, -c, "true"]}
            nodes:
              - {id: up, deploy: echo}
              - {id: ask, task: ask, after: [up]}
            apps:
            \(Self.echo)
            """)
        let out = try await ws.sluice(["run", flow])
        #expect(out.status == 2, "\(out.stdout)\(out.stderr)")
        #expect(out.stderr.contains("ship.yaml:5:22") && out.stderr.contains("deploy steps need `sluice serve`"), "\(out.stderr)")
        #expect(out.stderr.contains("ship.yaml:3:15") && out.stderr.contains("'uses' needs `sluice serve`"), "\(out.stderr)")
    }
}
