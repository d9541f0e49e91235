import Foundation
import Testing

/// `sluice config` contexts: named servers and tokens in `$XDG_CONFIG_HOME/sluice/config.yaml`, and the order in
/// which flags, the environment, contexts and the local store are chosen.
@Suite(.serialized) struct ContextConfigTests {
    /// A run on `server`, submitted with its admin token; its id.
    static func submitHello(_ ws: Workspace, _ server: RemoteServer) async throws -> String {
        let hello = CLI.root.appendingPathComponent("examples/hello.yaml").path
        let out = try await ws.sluice(["submit", hello, "--input", "who=Ada", "--run-id", "ctx-run", "--server", server.url])
        #expect(out.status == 0, "\(out.stderr)")
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func adminToken(_ ws: Workspace) -> String {
        ws.read(".sluice/admin.token").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func theCurrentContextTakesCommandsToItsServerWithItsToken() async throws {
        let ws = try Workspace()
        let server = try await RemoteServer.start(ws)
        defer { server.terminate() }
        let run = try await Self.submitHello(ws, server)
        // Elsewhere, with no store of its own: only the context can lead to the run.
        let elsewhere = try Workspace()
        let cli = ConfiguredCLI(elsewhere)
        let token = Self.adminToken(ws)
        let set = try await cli.sluice(["config", "set-context", "dev", "--server", server.url, "--token-stdin"], stdin: token + "\n")
        #expect(set.status == 0, "\(set.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: cli.configFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // Not current yet: the local store, which has no such run.
        await #expect(try cli.sluice(["status", run]).status == 2)
        await #expect(try cli.sluice(["status", run, "-o", "json", "--context", "dev"]).status == 0)

        await #expect(try cli.sluice(["config", "use-context", "dev"]).status == 0)
        await #expect(try cli.sluice(["config", "current-context"]).stdout == "dev\n")
        let history = try await cli.sluice(["history", "-o", "json"])
        #expect(history.status == 0, "\(history.stderr)")
        #expect(history.stdout.contains(run))

        // Tokens never show.
        for args in [["config", "view"], ["config", "get-contexts"], ["config", "get-contexts", "-o", "json"]] {
            let out = try await cli.sluice(args)
            #expect(out.status == 0, "\(args): \(out.stderr)")
            #expect(!out.stdout.contains(token), "\(args) printed the token")
            #expect(out.stdout.contains(server.url), "\(args): \(out.stdout)")
        }
        await #expect(try cli.sluice(["config", "get-contexts"]).stdout.contains("*"))

        await #expect(try cli.sluice(["config", "use-context", "--none"]).status == 0)
        await #expect(try cli.sluice(["status", run]).status == 2)
        await #expect(try cli.sluice(["config", "current-context"]).status == 1)
    }

    @Test func flagsBeatTheEnvironmentWhichBeatsTheCurrentContext() async throws {
        let ws = try Workspace()
        let server = try await RemoteServer.start(ws)
        defer { server.terminate() }
        let run = try await Self.submitHello(ws, server)
        let tokenFile = try ws.write("admin-token", Self.adminToken(ws) + "\n")
        let cli = ConfiguredCLI(try Workspace())
        // The current context leads nowhere (nothing listens on port 1); `good` leads to the server.
        await #expect(try cli.sluice(["config", "set-context", "dead", "--server", "http://127.0.0.1:1"]).status == 0)
        await #expect(try cli.sluice(["config", "set-context", "good", "--server", server.url, "--token-file", tokenFile]).status == 0)
        await #expect(try cli.sluice(["config", "use-context", "dead"]).status == 0)

        let viaContext = try await cli.sluice(["status", run])
        #expect(viaContext.status == 3 && viaContext.stderr.contains("127.0.0.1:1"), "\(viaContext.stderr)")
        let token = Self.adminToken(ws)
        await #expect(try cli.sluice(["status", run, "--server", server.url, "--token", token]).status == 0)
        await #expect(try cli.sluice(["status", run], env: ["SLUICE_SERVER": server.url, "SLUICE_TOKEN": token]).status == 0)
        await #expect(try cli.sluice(["status", run, "--context", "good"]).status == 0)
        // --context beats $SLUICE_SERVER, as a flag does.
        await #expect(try cli.sluice(["status", run, "--context", "good"], env: ["SLUICE_SERVER": "http://127.0.0.1:1"]).status == 0)
        // $SLUICE_CONTEXT picks a context over the current one; $SLUICE_SERVER beats it.
        await #expect(try cli.sluice(["status", run], env: ["SLUICE_CONTEXT": "good"]).status == 0)
        await #expect(try cli.sluice(["status", run], env: ["SLUICE_CONTEXT": "good", "SLUICE_SERVER": "http://127.0.0.1:1"]).status == 3)
        let unknownEnv = try await cli.sluice(["status", run], env: ["SLUICE_CONTEXT": "nope"])
        #expect(unknownEnv.status == 2 && unknownEnv.stderr.contains("$SLUICE_CONTEXT nope: no such context"), "\(unknownEnv.stderr)")
        // $SLUICE_TOKEN beats the context's token.
        let wrong = try await cli.sluice(["status", run, "--context", "good"], env: ["SLUICE_TOKEN": "slc_wrong"])
        #expect(wrong.status == 3 && wrong.stderr.contains("refused the token"), "\(wrong.stderr)")

        let both = try await cli.sluice(["status", run, "--context", "good", "--server", server.url])
        #expect(both.status == 2)
        let unknown = try await cli.sluice(["status", run, "--context", "nope"])
        #expect(unknown.status == 2 && unknown.stderr.contains("--context nope: no such context"), "\(unknown.stderr)")

        let deleted = try await cli.sluice(["config", "delete-context", "dead"])
        #expect(deleted.status == 0 && deleted.stdout.contains("no context is current"), "\(deleted.stdout)")
        await #expect(try cli.sluice(["status", run]).status == 2, "back on the (empty) local store")
    }

    @Test func aMalformedConfigFileIsAnErrorNamingTheFileLineAndField() async throws {
        let cli = ConfiguredCLI(try Workspace())
        try FileManager.default.createDirectory(atPath: cli.configFolder + "/sluice", withIntermediateDirectories: true)
        let cases: [(String, String)] = [
            ("current-context: a\ncontexts:\n  - name: a\n    sever: http://127.0.0.1:1\n", ":4: contexts[0].sever: unknown key 'sever'"),
            ("contexts:\n  - name: a\n", ":2: contexts[0].server: missing"),
            ("current-context: b\ncontexts:\n  - name: a\n    server: http://127.0.0.1:1\n", ":1: current-context: no context named 'b'"),
            ("contexts:\n  - name: a\n    server: http://127.0.0.1:1\n  - name: a\n    server: http://127.0.0.1:2\n", ":4: contexts[1].name: a second context named 'a'"),
            ("contexts: [\n", "not valid YAML"),
        ]
        for (text, expected) in cases {
            try text.write(toFile: cli.configFile, atomically: true, encoding: .utf8)
            let out = try await cli.sluice(["history"])
            #expect(out.status == 2, "\(text)")
            #expect(out.stderr.contains(cli.configFile), "\(out.stderr)")
            #expect(out.stderr.contains(expected), "expected \(expected) in \(out.stderr)")
        }
    }

    @Test func setContextRefusesWhatCannotWork() async throws {
        let cli = ConfiguredCLI(try Workspace())
        await #expect(try cli.sluice(["config", "set-context", "x"]).status == 2, "a new context needs --server")
        await #expect(try cli.sluice(["config", "set-context", "x", "--server", "https://example.test"]).status == 2)
        await #expect(try cli.sluice(["config", "set-context", "two words", "--server", "http://127.0.0.1:1"]).status == 2)
        await #expect(try cli.sluice(["config", "set-context", "x", "--server", "http://127.0.0.1:1", "--token-file", "/nonexistent"]).status == 2)
        await #expect(try cli.sluice(["config", "set-context", "x", "--server", "http://127.0.0.1:1", "--token-stdin"], stdin: "").status == 2)
        await #expect(try cli.sluice(["config", "use-context", "x"]).status == 2)
        #expect(!FileManager.default.fileExists(atPath: cli.configFile))
        let empty = try await cli.sluice(["config", "get-contexts"])
        #expect(empty.status == 0 && empty.stdout.contains("no contexts"))
    }

    @Test func changingAContextKeepsWhatIsNotGiven() async throws {
        let ws = try Workspace()
        let cli = ConfiguredCLI(ws)
        let tokenFile = try ws.write("t", "slc_file\n")
        await #expect(try cli.sluice(["config", "set-context", "a", "--server", "http://127.0.0.1:1", "--token-file", tokenFile]).status == 0)
        await #expect(try cli.sluice(["config", "set-context", "a", "--server", "http://127.0.0.1:2"]).status == 0)
        let rows = try #require(RemoteTests.json(try await cli.sluice(["config", "get-contexts", "-o", "json"]).stdout) as? [[String: Any]])
        #expect(rows.count == 1)
        #expect(rows.first?["server"] as? String == "http://127.0.0.1:2")
        #expect(rows.first?["token"] as? String == "file" && rows.first?["token_file"] as? String == tokenFile, "\(rows)")
        await #expect(try cli.sluice(["config", "set-context", "a", "--no-token"]).status == 0)
        let after = try #require(RemoteTests.json(try await cli.sluice(["config", "get-contexts", "-o", "json"]).stdout) as? [[String: Any]])
        #expect(after.first?["token"] as? String == "none")
    }

    @Test(arguments: ["set-context", "use-context", "get-contexts", "current-context", "delete-context", "view"])
    func everyConfigCommandHasHelpWithExamples(command: String) async throws {
        let out = try await CLI.run(["config", command, "--help"])
        #expect(out.status == 0)
        #expect(out.stdout.contains("Examples:"), "\(out.stdout)")
    }
}
