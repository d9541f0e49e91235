import Foundation
import Glibc
import Testing

/// `sluice` with a chosen environment: `XDG_CONFIG_HOME` in a folder of its own (so no one's real contexts
/// apply), no inherited `SLUICE_SERVER`/`SLUICE_TOKEN`/`SLUICE_STORE`/`SLUICE_CONTEXT`, plus `environment`; `stdin` is fed to it.
struct ConfiguredCLI: Sendable {
    let dir: URL
    var environment: [String: String] = [:]

    init(_ ws: Workspace) {
        dir = ws.dir
    }

    var configFolder: String { dir.appendingPathComponent("xdg").path }
    var configFile: String { configFolder + "/sluice/config.yaml" }

    func sluice(_ args: [String], env extra: [String: String] = [:], stdin: String? = nil) async throws -> CLI.Output {
        var env = ProcessInfo.processInfo.environment
        for key in ["SLUICE_SERVER", "SLUICE_TOKEN", "SLUICE_STORE", "SLUICE_CONTEXT"] { env[key] = nil }
        env["XDG_CONFIG_HOME"] = configFolder
        env.merge(environment) { $1 }
        env.merge(extra) { $1 }
        let dir = self.dir, finalEnv = env
        return try await offPool {
            let p = Process()
            p.executableURL = CLI.binary
            p.arguments = args
            p.currentDirectoryURL = dir
            p.environment = finalEnv
            let out = Pipe(), err = Pipe(), input = Pipe()
            p.standardOutput = out
            p.standardError = err
            p.standardInput = input
            try p.run()
            // Written with write(2), retried on EINTR: FileHandle.write(_:) traps on an interrupted write (a signal to
            // this busy test process), which once crashed the whole test run.
            let bytes = Array((stdin ?? "").utf8)
            var done = 0
            while done < bytes.count {
                let n = bytes[done...].withUnsafeBytes { Glibc.write(input.fileHandleForWriting.fileDescriptor, $0.baseAddress, $0.count) }
                if n > 0 { done += n } else if n < 0 && errno == EINTR { continue } else { break }
            }
            try input.fileHandleForWriting.close()
            let o = out.fileHandleForReading.readDataToEndOfFile()
            let e = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return CLI.Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
        }
    }
}

/// Every command that can talk to a server does so when one is set, and never falls back to the local store.
@Suite(.serialized) struct ServerReachTests {
    /// Each command that makes sense against a server, with arguments it accepts.
    static let serverCommands: [[String]] = [
        ["status", "r1"], ["history"], ["list"], ["events", "r1"], ["logs", "r1", "a"], ["gates", "r1"],
        ["approve", "r1", "a"], ["reject", "r1", "a", "--comment", "no"], ["signal", "r1", "s", "1"],
        ["abort", "r1"], ["retry", "r1"], ["token", "create", "--role", "viewer", "--name", "x"], ["token", "list"],
        ["token", "revoke", "x"],
    ]

    @Test func everyServerCommandTakesServerTokenAndContext() async throws {
        for args in Self.serverCommands + [["resume", "r1"], ["submit", "f.yaml"]] {
            let out = try await CLI.run(Array(args.prefix(args[0] == "token" ? 2 : 1)) + ["--help"])
            #expect(out.status == 0, "\(args)")
            for option in ["--server", "--token", "--context"] { #expect(out.stdout.contains(option), "\(args[0]) --help lacks \(option)") }
        }
    }

    @Test func withAServerSetNoCommandTouchesTheLocalStore() async throws {
        let ws = try Workspace()
        let cli = ConfiguredCLI(ws)
        // Nothing listens on port 1: every command must try the server and fail with exit 3.
        for args in Self.serverCommands {
            let out = try await cli.sluice(args, env: ["SLUICE_SERVER": "http://127.0.0.1:1"])
            #expect(out.status == 3, "\(args): \(out.status) \(out.stdout) \(out.stderr)")
            #expect(out.stderr.contains("cannot reach the server at http://127.0.0.1:1"), "\(args): \(out.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: ws.dir.appendingPathComponent(".sluice").path), "no store was created")
    }

    @Test func resumeWithAServerSetIsRefusedWithTheReasonAndExitTwo() async throws {
        let ws = try Workspace()
        let cli = ConfiguredCLI(ws)
        for env in [["SLUICE_SERVER": "http://127.0.0.1:1"], [:]] {
            let args = ["resume", "r1"] + (env.isEmpty ? ["--server", "http://127.0.0.1:1"] : [])
            let out = try await cli.sluice(args, env: env)
            #expect(out.status == 2, "\(out.stderr)")
            #expect(out.stderr.contains("the server drives its runs"), "\(out.stderr)")
            #expect(out.stderr.contains("sluice status r1"), "\(out.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: ws.dir.appendingPathComponent(".sluice").path))
    }

    @Test func tokensAreManagedOnTheServerThroughItsAdminAPI() async throws {
        let ws = try Workspace()
        let server = try await RemoteServer.start(ws)
        defer { server.terminate() }
        let created = try await ws.sluice(["token", "create", "--role", "viewer", "--name", "dash", "--server", server.url])
        #expect(created.status == 0, "\(created.stderr)")
        let secret = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.hasPrefix("slc_"), "\(created.stdout)")

        // The new token works against the server, as a viewer.
        let listed = try await ws.sluice(["history", "--server", server.url, "--token", secret])
        #expect(listed.status == 0, "\(listed.stderr)")

        let tokens = try await ws.sluice(["token", "list", "-o", "json", "--server", server.url])
        #expect(tokens.status == 0, "\(tokens.stderr)")
        #expect(!tokens.stdout.contains(secret))
        let rows = try #require(RemoteTests.json(tokens.stdout) as? [[String: Any]], "\(tokens.stdout)")
        #expect(rows.contains { $0["name"] as? String == "dash" && $0["role"] as? String == "viewer" })

        // A viewer may not manage tokens: 403, its message printed, exit 3.
        let refused = try await ws.sluice(["token", "list", "--server", server.url, "--token", secret])
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("token 'dash' has role viewer") && refused.stderr.contains("needs admin"), "\(refused.stderr)")

        let duplicate = try await ws.sluice(["token", "create", "--role", "viewer", "--name", "dash", "--server", server.url])
        #expect(duplicate.status == 2)
        #expect(duplicate.stderr.contains("a token named 'dash' already exists"), "\(duplicate.stderr)")

        let revoked = try await ws.sluice(["token", "revoke", "dash", "--server", server.url])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(revoked.stdout.contains("(dash, viewer)"), "\(revoked.stdout)")
        await #expect(try ws.sluice(["history", "--server", server.url, "--token", secret]).status == 3)
        let again = try await ws.sluice(["token", "revoke", "dash", "--server", server.url])
        #expect(again.status == 2)
        #expect(again.stderr.contains("no live token with id or name 'dash'"), "\(again.stderr)")
    }

    @Test func theCurlExampleOfServeHelpWorksAsPrinted() async throws {
        let help = try await CLI.run(["serve", "--help"])
        let lines = help.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let start = try #require(lines.firstIndex { $0.hasPrefix("curl ") }, "\(help.stdout)")
        // The example and the lines it continues onto with a trailing backslash, as a shell reads them.
        var end = start
        while lines[end].hasSuffix("\\"), end + 1 < lines.count { end += 1 }
        let example = lines[start...end].joined(separator: "\n")
        #expect(example.contains("127.0.0.1:8470"), "\(example)")
        let ws = try Workspace()
        let server = try await RemoteServer.start(ws)
        defer { server.terminate() }
        // The same line, pointed at this server's port (8470 may be taken on a shared machine), from the
        // folder whose ./.sluice is the server's store.
        let command = example.replacingOccurrences(of: "http://127.0.0.1:8470", with: server.url)
        let dir = ws.dir
        let out = try await offPool { () -> CLI.Output in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", command]
            p.currentDirectoryURL = dir
            let o = Pipe()
            p.standardOutput = o
            try p.run()
            let data = o.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return CLI.Output(status: p.terminationStatus, stdout: String(decoding: data, as: UTF8.self), stderr: "")
        }
        #expect(out.status == 0)
        let body = try #require(RemoteTests.json(out.stdout) as? [String: Any], "\(command): \(out.stdout)")
        #expect(body["runs"] is [Any], "\(out.stdout)")
    }
}
