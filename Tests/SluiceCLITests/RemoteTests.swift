import Foundation
import Testing

/// A `sluice serve` over a workspace's store, on a free loopback port.
final class RemoteServer: @unchecked Sendable {
    let process = Process()
    let url: String

    init(_ ws: Workspace, listen: String = "127.0.0.1:0", extra: [String] = []) throws {
        process.executableURL = CLI.binary
        process.arguments = ["serve", "--store", ws.store, "--listen", listen] + extra
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        url = try listeningURL(err, of: process, "sluice serve")
    }

    /// Starts the server from an async test: waiting for it to listen happens on a thread of its own.
    static func start(_ ws: Workspace, listen: String = "127.0.0.1:0", extra: [String] = []) async throws -> RemoteServer {
        try await offPool { try RemoteServer(ws, listen: listen, extra: extra) }
    }

    func stop(sourceLocation: SourceLocation = #_sourceLocation) {
        mustNotBlockThePool("RemoteServer.stop", sourceLocation: sourceLocation)
        process.terminate()
        process.waitUntilExit()
    }

    /// Stops the server and waits for it to exit, from an async test.
    func stop() async throws {
        try await offPool { self.stop() }
    }

    /// Asks the server to stop without waiting (for `defer` in async tests, which cannot wait).
    func terminate() {
        if process.isRunning { process.terminate() }
    }
}

/// Reads what `process` prints into `pipe` until it says `listening on http://127.0.0.1:PORT` (within 120 s);
/// that URL, or an error with what it printed (the process is stopped).
func listeningURL(_ pipe: Pipe, of process: Process, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    mustNotBlockThePool("waiting for \(what) to listen", sourceLocation: sourceLocation)
    var text = ""
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline, text.range(of: #"listening on http://127\.0\.0\.1:\d+"#, options: .regularExpression) == nil {
        let data = pipe.fileHandleForReading.availableData
        if data.isEmpty { break }
        text += String(decoding: data, as: UTF8.self)
    }
    guard let r = text.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression) else {
        process.terminate()
        throw CLIFailure("\(what) did not start: \(text)")
    }
    return String(text[r])
}

struct CLIFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// The CLI against a server: `--server` with the admin token the server wrote to the store.
@Suite(.serialized) struct RemoteTests {
    static let gates = """
        name: gates
        outputs: {threshold: pick.value}
        nodes:
          - {id: review, gate: {approve: null, message: "ship it?"}}
          - {id: pick, gate: {signal: threshold, type: float}, after: [review]}
        """

    static func json(_ text: String) -> Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) }

    /// The keys of a JSON value, recursively: what "the same shape" means.
    static func shape(_ value: Any?) -> String {
        switch value {
        case let d as [String: Any]: return "{" + d.keys.sorted().map { "\($0):\(shape(d[$0]))" }.joined(separator: ",") + "}"
        case let a as [Any]: return "[" + a.map { shape($0) }.joined(separator: ",") + "]"
        default: return "_"
        }
    }

    /// Polls `gates RUN -o json` until `node` is pending.
    static func waitForGate(_ ws: Workspace, _ server: RemoteServer, _ run: String, _ node: String,
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        mustNotBlockThePool("waitForGate", sourceLocation: sourceLocation)
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let out = try ws.sluice(["gates", run, "-o", "json", "--server", server.url])
            if ((json(out.stdout) as? [[String: Any]]) ?? []).contains(where: { $0["node"] as? String == node }) { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw CLIFailure("gate \(run)/\(node) never became pending")
    }

    @Test func submitWaitPrintsTheRunAndStatusHasTheLocalShape() async throws {
        let ws = try Workspace()
        let server = try await RemoteServer.start(ws)
        defer { server.terminate() }
        let hello = CLI.root.appendingPathComponent("examples/hello.yaml").path
        let out = try await ws.sluice(["submit", hello, "--input", "who=Ada", "--wait", "-o", "json", "--server", server.url])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        let submitted = try #require(Self.json(out.stdout) as? [String: Any], "\(out.stdout)")
        #expect(submitted["state"] as? String == "succeeded")
        let run = try #require(submitted["run"] as? String)
        // The same document `run -o json` ends with (no `error` key on success).
        #expect(Set(submitted.keys) == ["run", "state", "outputs"])
        #expect((submitted["outputs"] as? [String: Any])?.isEmpty == false, "\(out.stdout)")

        let remote = try await ws.sluice(["status", run, "-o", "json", "--server", server.url])
        let local = try await ws.sluice(["status", run, "-o", "json"])
        #expect(remote.status == 0 && local.status == 0, "\(remote.stderr)\(local.stderr)")
        #expect(Self.shape(Self.json(remote.stdout)) == Self.shape(Self.json(local.stdout)))
        #expect((Self.json(remote.stdout) as? [String: Any])?["outputs"] as? [String: String] == ["greeting": "hello Ada"])

        let list = try await ws.sluice(["list", "-o", "json", "--server", server.url])
        #expect(((Self.json(list.stdout) as? [[String: Any]]) ?? []).first?["id"] as? String == run, "\(list.stdout)\(list.stderr)")

        let failing = try ws.write("fail.yaml", """
            name: fails
            tasks:
              t: {command: [sh, -c, "exit 3"]}
            nodes:
              - {id: a, task: t}
            """)
        let failed = try await ws.sluice(["submit", failing, "--wait", "-o", "json", "--server", server.url])
        #expect(failed.status == 1, "\(failed.stdout)\(failed.stderr)")
        #expect((Self.json(failed.stdout) as? [String: Any])?["state"] as? String == "failed")
    }

    @Test func approveSignalRejectAndAbortGoThroughTheServer() async throws {
        let ws = try Workspace()
        let server = try await RemoteServer.start(ws)
        defer { server.terminate() }
        let flow = try ws.write("gates.yaml", Self.gates)
        await #expect(try ws.sluice(["submit", flow, "--run-id", "g1", "--server", server.url]).status == 0)
        try await offPool { try Self.waitForGate(ws, server, "g1", "review") }
        let signal = try await ws.sluice(["signal", "g1", "threshold", "0.75", "--server", server.url])
        #expect(signal.status == 0, "\(signal.stderr)")
        #expect(signal.stdout.contains("signal threshold=0.75 sent to g1"), "\(signal.stdout)")
        let approve = try await ws.sluice(["approve", "g1", "review", "--comment", "fine", "--server", server.url])
        #expect(approve.status == 0, "\(approve.stderr)")
        #expect(approve.stdout.contains("approved g1/review as admin"), "\(approve.stdout)")
        let events = try await ws.sluice(["events", "g1", "-f", "-o", "json", "--server", server.url])
        #expect(events.status == 0, "\(events.stderr)")
        let seqs = events.stdout.split(separator: "\n").compactMap { (Self.json(String($0)) as? [String: Any])?["seq"] as? Int }
        #expect(!seqs.isEmpty && seqs == seqs.sorted() && Set(seqs).count == seqs.count, "\(events.stdout)")
        let tree = try await ws.status("g1")
        #expect(tree["state"] as? String == "succeeded", "\(tree)")
        #expect((ws.node(tree, "review")?["gate"] as? [String: Any])?["by"] as? String == "admin")

        await #expect(try ws.sluice(["submit", flow, "--run-id", "g2", "--server", server.url]).status == 0)
        try await offPool { try Self.waitForGate(ws, server, "g2", "review") }
        let reject = try await ws.sluice(["reject", "g2", "review", "--comment", "not today", "--server", server.url])
        #expect(reject.status == 0, "\(reject.stderr)")

        await #expect(try ws.sluice(["submit", flow, "--run-id", "g3", "--server", server.url]).status == 0)
        try await offPool { try Self.waitForGate(ws, server, "g3", "review") }
        await #expect(try ws.sluice(["abort", "g3", "--reason", "wrong data", "--server", server.url]).status == 0)
        for (run, state) in [("g2", "failed"), ("g3", "aborted")] {
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline, try await ws.status(run)["state"] as? String != state { try await Task.sleep(for: .seconds(0.1)) }
            await #expect(try ws.status(run)["state"] as? String == state)
        }
    }

    @Test func serverAndAuthFailuresExitThreeAndInputErrorsExitTwo() async throws {
        let ws = try Workspace()
        let server = try await RemoteServer.start(ws)
        defer { server.terminate() }
        let refused = try await ws.sluice(["status", "r1", "--server", "http://127.0.0.1:1"])
        #expect(refused.status == 3, "\(refused.stderr)")
        #expect(refused.stderr.contains("cannot reach the server at http://127.0.0.1:1"), "\(refused.stderr)")
        let badToken = try await ws.sluice(["status", "r1", "--server", server.url, "--token", "slc_not-a-token"])
        #expect(badToken.status == 3, "\(badToken.stderr)")
        #expect(badToken.stderr.contains("unknown or revoked"), "\(badToken.stderr)")
        let unknown = try await ws.sluice(["status", "nope", "--server", server.url])
        #expect(unknown.status == 2, "\(unknown.stderr)")
        #expect(unknown.stderr.contains("no run 'nope'"), "\(unknown.stderr)")

        let viewer = try await ws.sluice(["token", "create", "--role", "viewer", "--name", "dash"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let flow = try ws.write("gates.yaml", Self.gates)
        let denied = try await ws.sluice(["submit", flow, "--server", server.url, "--token", viewer])
        #expect(denied.status == 3, "\(denied.stderr)")
        #expect(denied.stderr.contains("needs operator"), "\(denied.stderr)")
    }

    @Test func eventsFollowResumesOnARestartedServerWithoutLosingOrRepeatingAnEvent() async throws {
        let ws = try Workspace()
        var server = try await RemoteServer.start(ws)
        let url = server.url
        let flow = try ws.write("gates.yaml", Self.gates)
        await #expect(try ws.sluice(["submit", flow, "--run-id", "e1", "--server", url]).status == 0)
        let first = server
        try await offPool { try Self.waitForGate(ws, first, "e1", "review") }
        let follower = Process()
        follower.executableURL = CLI.binary
        follower.arguments = ["events", "e1", "-f", "-o", "json", "--server", url, "--store", ws.store]
        let out = Pipe()
        follower.standardOutput = out
        follower.standardError = FileHandle.nullDevice
        try follower.run()
        // The follower has connected once it prints the events so far (blocks until it does).
        let firstChunk = try await offPool { out.fileHandleForReading.availableData }
        try await server.stop()
        server = try await RemoteServer.start(ws, listen: String(url.dropFirst("http://".count)))
        defer { server.terminate() }
        await #expect(try ws.sluice(["signal", "e1", "threshold", "0.5", "--server", url]).status == 0)
        await #expect(try ws.sluice(["approve", "e1", "review", "--server", url]).status == 0)
        let printed = try await offPool { () -> Data in
            let rest = out.fileHandleForReading.readDataToEndOfFile()
            follower.waitUntilExit()
            return firstChunk + rest
        }
        #expect(follower.terminationStatus == 0)
        let seqs = String(decoding: printed, as: UTF8.self).split(separator: "\n").compactMap { (Self.json(String($0)) as? [String: Any])?["seq"] as? Int }
        let all = try await ws.sluice(["events", "e1", "-o", "json"]).stdout.split(separator: "\n").compactMap { (Self.json(String($0)) as? [String: Any])?["seq"] as? Int }
        #expect(!all.isEmpty && seqs == all, "followed \(seqs), stored \(all)")
    }

    @Test func logsComeFromTheServerWholeOrFollowed() async throws {
        let ws = try Workspace()
        let server = try await RemoteServer.start(ws)
        defer { server.terminate() }
        let flow = try ws.write("talk.yaml", """
            name: talk
            tasks:
              t: {command: [sh, -c, "echo line one; echo line two >&2"]}
            nodes:
              - {id: a, task: t}
            """)
        await #expect(try ws.sluice(["submit", flow, "--run-id", "l1", "--wait", "--server", server.url]).status == 0)
        let whole = try await ws.sluice(["logs", "l1", "a", "--server", server.url])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(whole.stdout.contains("line one") && whole.stdout.contains("line two"), "\(whole.stdout)")
        let followed = try await ws.sluice(["logs", "l1", "a", "-f", "--stdout", "--server", server.url])
        #expect(followed.status == 0, "\(followed.stderr)")
        #expect(followed.stdout.contains("line one") && !followed.stdout.contains("line two"), "\(followed.stdout)")
        let missing = try await ws.sluice(["logs", "l1", "nope", "--server", server.url])
        #expect(missing.status == 2, "\(missing.stderr)")
    }

    @Test func logsOfAMapItemAreFetchedByItsIDAsOnePathSegment() async throws {
        let ws = try Workspace()
        let server = try await RemoteServer.start(ws)
        defer { server.terminate() }
        let flow = try ws.write("items.yaml", """
            name: items
            inputs: {xs: {type: list<string>, default: [first, second]}}
            tasks:
              say:
                command: [sh, -c, "echo item {{inputs.x}}; echo '{}' > $SLUICE_OUTPUTS"]
                inputs: {x: string}
            nodes:
              - {id: m, map: {over: inputs.xs, as: x, task: say, inputs: {x: x}}}
            """)
        await #expect(try ws.sluice(["submit", flow, "--run-id", "i1", "--wait", "--server", server.url]).status == 0)
        let item = try await ws.sluice(["logs", "i1", "m[1]", "--server", server.url])
        #expect(item.status == 0, "\(item.stderr)")
        #expect(item.stdout.contains("item second") && !item.stdout.contains("item first"), "\(item.stdout)")
    }

    @Test func anHTTPSServerIsRefusedWithAReasonAndExitTwo() async throws {
        let ws = try Workspace()
        let out = try await ws.sluice(["status", "r1", "--server", "https://127.0.0.1:8470"])
        #expect(out.status == 2, "\(out.stderr)")
        #expect(out.stderr.contains("plain http://"), "\(out.stderr)")
    }

    /// The remote client is plain sockets: a local command loads no HTTP stack (FoundationNetworking, libcurl).
    @Test func theCLILinksNoHTTPStack() async throws {
        let ldd = Process()
        ldd.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
        ldd.arguments = [CLI.binary.path]
        let out = Pipe()
        ldd.standardOutput = out
        try ldd.run()
        let text = try await offPool { () -> String in
            let data = out.fileHandleForReading.readDataToEndOfFile()
            ldd.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        #expect(ldd.terminationStatus == 0)
        #expect(!text.contains("FoundationNetworking") && !text.contains("libcurl"), "\(text)")
    }

    @Test(arguments: [["submit"], ["events"], ["gates"], ["reject"], ["list"], ["status"]])
    func helpNamesTheServerOptionsWithExamples(args: [String]) async throws {
        let out = try await CLI.run(args + ["--help"])
        #expect(out.status == 0)
        #expect(out.stdout.contains("Examples:") && out.stdout.contains("--server") && out.stdout.contains("--token"), "\(out.stdout)")
    }
}
