import Foundation
import Testing

/// Runs `sluice ARGS` on a pseudo-terminal (through `script`) of `rows` rows, with `environment` added.
func onTerminal(_ ws: Workspace, _ args: [String], rows: Int = 50, environment: [String: String] = [:]) async throws -> CLI.Output {
    try await offPool {
        let quoted = ([CLI.binary.path] + args + ["--store", ws.store]).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qec", "stty rows \(rows) cols 250; exec " + quoted.joined(separator: " "), "/dev/null"]
        p.currentDirectoryURL = ws.dir
        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "xterm"
        env.removeValue(forKey: "NO_COLOR")
        env.merge(environment) { $1 }
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLI.Output(status: p.terminationStatus, stdout: String(decoding: data, as: UTF8.self), stderr: "")
    }
}

/// The live tree: plain append-only lines unless stdout is a rich terminal, fitted to its height, and the
/// gate commands it shows; `status -w`, `submit --wait` and `run --server` follow a run to its end.
@Suite struct LiveTreeTests {
    static let many = """
        name: many
        tasks:
          t: {command: [sh, -c, "true"]}
        nodes:
        \((1...30).map { "  - {id: n\($0), task: t}" }.joined(separator: "\n"))
        """

    @Test func aTerminalGetsColoursButNoColorDumbTermAndPipesGetPlainLines() async throws {
        let ws = try Workspace()
        let hello = CLI.root.appendingPathComponent("examples/hello.yaml").path
        let rich = try await onTerminal(ws, ["run", hello])
        #expect(rich.status == 0, "\(rich.stdout)")
        #expect(rich.stdout.contains("\u{1b}["), "\(rich.stdout)")
        for environment in [["NO_COLOR": "1"], ["NO_COLOR": ""], ["TERM": "dumb"]] {
            let plain = try await onTerminal(ws, ["run", hello], environment: environment)
            #expect(plain.status == 0, "\(plain.stdout)")
            #expect(!plain.stdout.contains("\u{1b}"), "\(environment): \(plain.stdout.debugDescription)")
            #expect(plain.stdout.contains("greet  succeeded"), "\(plain.stdout)")
            let status = try await onTerminal(ws, ["status"], environment: environment)
            #expect(!status.stdout.contains("\u{1b}"), "\(environment): \(status.stdout.debugDescription)")
        }
        let piped = try await ws.sluice(["run", hello])
        #expect(!piped.stdout.contains("\u{1b}"))
    }

    @Test func aTreeTallerThanTheTerminalIsSummarised() async throws {
        let ws = try Workspace()
        let flow = try ws.write("many.yaml", Self.many)
        let out = try await onTerminal(ws, ["run", flow, "--run-id", "m1"], rows: 12)
        #expect(out.status == 0, "\(out.stdout)")
        #expect(out.stdout.range(of: #"… \d+ more nodes \(\d+ succeeded\)"#, options: .regularExpression) != nil, "\(out.stdout)")
        // Each frame fits: the last one (after the last cursor-up) has at most 11 lines.
        let lastFrame = out.stdout.components(separatedBy: "\u{1b}[J").last ?? ""
        #expect(lastFrame.split(separator: "\n").count <= 11, "\(lastFrame)")
        // Not on a terminal, the whole tree is printed.
        let status = try await ws.sluice(["status", "m1"])
        #expect(status.stdout.contains("n30  succeeded"))
    }

    @Test func gatesSayWhatTheyWaitForAndStatusWatchEndsWithTheRun() async throws {
        let ws = try Workspace()
        let flow = try ws.write("gates.yaml", RemoteTests.gates)
        let started = try await ws.sluice(["run", flow, "--run-id", "r1", "--detach"])
        #expect(started.status == 0, "\(started.stderr)")
        let waiting = try await offPool { waitFor { ((try? ws.sluice(["status", "r1"]).stdout) ?? "").contains("waiting for approval") } }
        #expect(waiting)
        let tree = try await ws.sluice(["status", "r1"])
        #expect(tree.stdout.contains("review  waiting  ") && tree.stdout.contains("waiting for approval · sluice approve r1 review"), "\(tree.stdout)")
        let gates = try await ws.sluice(["gates", "r1"])
        #expect(gates.stdout.contains("sluice approve r1 review"), "\(gates.stdout)")

        async let watched = ws.sluice(["status", "r1", "-w"])
        _ = try await ws.sluice(["approve", "r1", "review"])
        let signalWaits = try await offPool { waitFor { ((try? ws.sluice(["status", "r1"]).stdout) ?? "").contains("waiting for a signal (float) · sluice signal r1 threshold <float>") } }
        #expect(signalWaits)
        _ = try await ws.sluice(["signal", "r1", "threshold", "0.5"])
        let end = try await watched
        #expect(end.status == 0, "\(end.stdout)\(end.stderr)")
        #expect(end.stdout.contains("run r1  succeeded"), "\(end.stdout)")
        #expect(!end.stdout.contains("\u{1b}"))
    }

    @Test func aDetachedRunIsDrivenWhenRunReturns() async throws {
        let ws = try Workspace()
        let flow = try ws.write("gates.yaml", RemoteTests.gates)
        let started = try await ws.sluice(["run", flow, "--run-id", "d1", "--detach"])
        #expect(started.status == 0, "\(started.stderr)")
        // `run --detach` returns once its background driver holds the run: no "nobody is driving" note.
        let status = try await ws.sluice(["status", "d1"])
        #expect(!status.stderr.contains("nobody is driving"), "\(status.stderr)")
        _ = try await ws.sluice(["abort", "d1"])
    }

    @Test func aRunIntoAPipeSaysTheCommandThatAnswersEachGate() async throws {
        let ws = try Workspace()
        let flow = try ws.write("gates.yaml", RemoteTests.gates)
        let run = try RunningSluice(ws, ["run", flow, "--run-id", "p1"])
        let untilApproval = try await run.read(run.stdout, until: "sluice approve p1 review")
        #expect(untilApproval.contains("waiting for approval: ship it? · sluice approve p1 review"), "\(untilApproval)")
        _ = try await ws.sluice(["approve", "p1", "review"])
        let untilSignal = try await run.read(run.stdout, until: "sluice signal p1 threshold <float>")
        #expect(untilSignal.contains("sluice signal p1 threshold <float>"), "\(untilApproval)\(untilSignal)")
        _ = try await ws.sluice(["signal", "p1", "threshold", "0.5"])
        let (status, rest) = try await run.finish()
        #expect(status == 0, "\(untilApproval)\(untilSignal)\(rest)")
        #expect(!(untilApproval + untilSignal + rest).contains("\u{1b}"))
    }

    @Test func statusWatchOfAFailedRunExitsOne() async throws {
        let ws = try Workspace()
        let flow = try ws.write("fail.yaml", """
            name: fails
            tasks:
              t: {command: [sh, -c, "exit 3"]}
            nodes: [{id: a, task: t}]
            """)
        _ = try await ws.sluice(["run", flow, "--run-id", "f1"])
        let out = try await ws.sluice(["status", "f1", "--watch"])
        #expect(out.status == 1, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("a  failed"), "\(out.stdout)")
    }
}

/// `run --server`, `submit --wait` and `status -w --server`: the run on a server, followed here.
@Suite(.serialized) struct RemoteLiveTreeTests {
    @Test func runOnAServerFollowsItAndNeverTouchesALocalStore() async throws {
        let ws = try Workspace()
        let server = try await RemoteServer.start(ws)
        defer { server.terminate() }
        let token = try String(contentsOfFile: ws.store + "/admin.token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let client = try Workspace()
        let hello = CLI.root.appendingPathComponent("examples/hello.yaml").path
        let out = try await client.sluice(["run", hello, "--input", "who=Ada", "--server", server.url, "--token", token, "--label", "team=ml"])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("greet  succeeded") && out.stdout.contains("outputs: greeting=\"hello Ada\""), "\(out.stdout)")
        #expect(!FileManager.default.fileExists(atPath: client.store), "run --server created \(client.store)")

        let json = try await client.sluice(["run", hello, "--server", server.url, "--token", token, "-o", "json"])
        let summary = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(summary?["state"] as? String == "succeeded" && (summary?["outputs"] as? [String: Any])?["greeting"] as? String == "hello world", "\(json.stdout)")

        let failing = try client.write("fail.yaml", "name: fails\ntasks:\n  t: {command: [sh, -c, \"exit 3\"]}\nnodes: [{id: a, task: t}]\n")
        let failed = try await client.sluice(["run", failing], environment: ["SLUICE_SERVER": server.url, "SLUICE_TOKEN": token])
        #expect(failed.status == 1, "\(failed.stdout)\(failed.stderr)")
        #expect(failed.stdout.contains("a  failed"), "\(failed.stdout)")

        let history = try await ws.sluice(["history", "--server", server.url, "--label", "team=ml"])
        #expect(history.stdout.contains("team=ml") && history.stdout.hasPrefix("RUN "), "\(history.stdout)")
    }

    @Test func submitWaitAndWatchShowGateCommandsForTheServer() async throws {
        let ws = try Workspace()
        let server = try await RemoteServer.start(ws)
        defer { server.terminate() }
        let url = server.url
        let flow = try ws.write("gates.yaml", RemoteTests.gates)
        async let waited = ws.sluice(["submit", flow, "--run-id", "s1", "--wait", "--server", url])
        let pending = try await offPool {
            waitFor { ((try? ws.sluice(["gates", "s1", "-o", "json", "--server", url]).stdout) ?? "").contains("review") }
        }
        #expect(pending)
        let tree = try await ws.sluice(["status", "s1", "--server", url])
        #expect(tree.stdout.contains("waiting for approval · sluice approve s1 review --server \(url)"), "\(tree.stdout)")
        async let watched = ws.sluice(["status", "s1", "-w", "--server", url])
        _ = try await ws.sluice(["approve", "s1", "review", "--server", url])
        _ = try await ws.sluice(["signal", "s1", "threshold", "0.5", "--server", url])
        let (end, watch) = try await (waited, watched)
        #expect(end.status == 0 && watch.status == 0, "\(end.stdout)\(end.stderr)\(watch.stdout)\(watch.stderr)")
        #expect(end.stdout.contains("run s1  succeeded") && watch.stdout.contains("run s1  succeeded"), "\(end.stdout)\(watch.stdout)")
    }
}

/// A `sluice` process on a workspace whose output is read as it comes.
final class RunningSluice: @unchecked Sendable {
    let process = Process()
    let stdout = Pipe()
    let stderr = Pipe()

    init(_ ws: Workspace, _ args: [String]) throws {
        process.executableURL = CLI.binary
        process.arguments = args + ["--store", ws.store]
        process.currentDirectoryURL = ws.dir
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
    }

    /// What `pipe` gives until it has said `needle` (or closed).
    func read(_ pipe: Pipe, until needle: String) async throws -> String {
        try await offPool {
            var text = ""
            while !text.contains(needle) {
                let data = pipe.fileHandleForReading.availableData
                if data.isEmpty { break }
                text += String(decoding: data, as: UTF8.self)
            }
            return text
        }
    }

    /// Waits for the end; the exit status and the rest of stdout.
    func finish() async throws -> (Int32, String) {
        try await offPool { [self] in
            let data = stdout.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }
}

extension Workspace {
    /// `sluice ARGS --store STORE` with `environment` added to this process's.
    func sluice(_ args: [String], environment: [String: String]) async throws -> CLI.Output {
        let (dir, store) = (self.dir, self.store)
        return try await offPool { try CLI.run(args + ["--store", store], in: dir, environment: environment) }
    }
}
