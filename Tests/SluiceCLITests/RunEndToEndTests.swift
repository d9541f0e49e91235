import Foundation
import Testing

/// A scratch folder with a store, for one end-to-end test.
struct Workspace {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    var store: String { dir.appendingPathComponent(".sluice").path }

    func write(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func read(_ name: String) -> String {
        (try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }

    func lines(_ name: String) -> [String] {
        read(name).split(separator: "\n").map(String.init)
    }

    func sluice(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> CLI.Output {
        try CLI.run(args + ["--store", store], in: dir, sourceLocation: sourceLocation)
    }

    func sluice(_ args: [String]) async throws -> CLI.Output {
        try await CLI.run(args + ["--store", store], in: dir)
    }

    /// `status RUN -o json` parsed.
    func status(_ run: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let out = try sluice(["status", run, "-o", "json"], sourceLocation: sourceLocation)
        return (try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    func status(_ run: String) async throws -> [String: Any] {
        let out = try await sluice(["status", run, "-o", "json"])
        return (try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    func node(_ status: [String: Any], _ id: String) -> [String: Any]? {
        func find(_ nodes: [[String: Any]]) -> [String: Any]? {
            for n in nodes {
                if n["id"] as? String == id { return n }
                if let c = find(n["children"] as? [[String: Any]] ?? []) { return c }
            }
            return nil
        }
        return find(status["nodes"] as? [[String: Any]] ?? [])
    }
}

/// Whether `pid` is gone (or a zombie about to be reaped) within two seconds: the supervisor kills a
/// task's leftovers right after the task ends, so the run may be over a moment before they are.
func processGone(_ pid: Int32, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    mustNotBlockThePool("processGone", sourceLocation: sourceLocation)
    for _ in 0..<100 {
        if kill(pid, 0) != 0 { return true }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        if let close = stat.lastIndex(of: ")"), stat[stat.index(close, offsetBy: 2)] == "Z" { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return false
}

@Suite(.serialized) struct RunEndToEndTests {
    @Test func helloRunsAndPrintsJSON() async throws {
        let ws = try Workspace()
        let out = try await ws.sluice(["run", CLI.root.appendingPathComponent("examples/hello.yaml").path, "--input", "who=Ada", "-o", "json"])
        #expect(out.status == 0, "\(out.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
        #expect(json?["state"] as? String == "succeeded")
        #expect((json?["outputs"] as? [String: Any])?["greeting"] as? String == "hello Ada")
        let history = try await ws.sluice(["history", "-o", "json"])
        let rows = try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.first?["id"] as? String == json?["run"] as? String)
        #expect(rows?.first?["state"] as? String == "succeeded")
    }

    @Test func retriesUntilTheTaskSucceedsWithACounterFile() async throws {
        let ws = try Workspace()
        let counter = ws.dir.appendingPathComponent("counter").path
        let flow = try ws.write("retry.yaml", """
            name: retry
            tasks:
              flaky:
                command: [sh, -c, "n=$(cat \(counter) 2>/dev/null || echo 0); n=$((n+1)); echo $n > \(counter); [ $n -ge 3 ]"]
                retries: {attempts: 3, backoff: {base: 100ms, factor: 1}}
            nodes:
              - {id: flaky, task: flaky}
            """)
        let out = try await ws.sluice(["run", flow, "--run-id", "r1", "-o", "json"])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(ws.read("counter").trimmingCharacters(in: .whitespacesAndNewlines) == "3")
        let attempts = await ws.node(try ws.status("r1"), "flaky")?["attempts"] as? [[String: Any]] ?? []
        #expect(attempts.map { $0["state"] as? String } == ["failed", "failed", "succeeded"])
        #expect(attempts.first?["error"] as? String == "exited with code 1")
    }

    @Test func aRuntimeTimeoutKillsTheTaskAndItsChildren() async throws {
        let ws = try Workspace()
        let pidFile = ws.dir.appendingPathComponent("pid").path
        let flow = try ws.write("slow.yaml", """
            name: slow
            tasks:
              slow: {command: [sh, -c, "sleep 3600 & echo $! > \(pidFile); wait"], timeout: 1s}
            nodes:
              - {id: slow, task: slow}
            """)
        let out = try await ws.sluice(["run", flow, "--run-id", "t1", "-o", "json"])
        #expect(out.status == 1)
        #expect(out.stdout.contains("\"state\":\"timed-out\""), "\(out.stdout)")
        if let pid = Int32(ws.read("pid").trimmingCharacters(in: .whitespacesAndNewlines)) {
            #expect(try await offPool { processGone(pid) }, "the task's child \(pid) survived the timeout")
        }
    }

    @Test func aMapWithFailuresKeepsNullsWhenTheRatioAllows() async throws {
        let ws = try Workspace()
        let flow = try ws.write("map.yaml", """
            name: mapper
            inputs: {xs: {type: list<int>, default: [1, 2, 3, 4]}}
            outputs: {ys: m.y}
            tasks:
              double:
                command: [sh, -c, "[ {{inputs.x}} -ne 2 ] && echo '{\\"y\\": '$(( {{inputs.x}} * 2 ))'}' > $SLUICE_OUTPUTS"]
                inputs: {x: int}
                outputs: {y: int}
            nodes:
              - {id: m, map: {over: inputs.xs, as: x, task: double, inputs: {x: x}, min_success_ratio: 0.75}}
            """)
        let out = try await ws.sluice(["run", flow, "-o", "json"])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("\"ys\":[2,null,6,8]"), "\(out.stdout)")
    }

    @Test func revertUndoesCompletedTasksInReverseOrderExactlyOnce() async throws {
        let ws = try Workspace()
        let marker = ws.dir.appendingPathComponent("marker").path
        let flow = try ws.write("revert.yaml", """
            name: saga
            tasks:
              step:
                command: [sh, -c, "echo do-{{inputs.name}} >> \(marker)"]
                inputs: {name: string}
                revert: {command: [sh, -c, "echo undo-{{inputs.name}} >> \(marker)"]}
              boom:
                command: [sh, -c, "echo do-boom >> \(marker); exit 3"]
                revert: {command: [sh, -c, "echo undo-boom >> \(marker)"]}
            nodes:
              - {id: a, task: step, inputs: {name: "a"}}
              - {id: b, task: step, inputs: {name: "b"}, after: [a]}
              - {id: c, task: step, inputs: {name: "c"}, after: [b]}
              - {id: d, task: boom, after: [c]}
            on_failure: {policy: revert}
            """)
        let out = try await ws.sluice(["run", flow, "-o", "json"])
        #expect(out.status == 1)
        #expect(out.stdout.contains("\"state\":\"reverted\""), "\(out.stdout)")
        #expect(ws.lines("marker") == ["do-a", "do-b", "do-c", "do-boom", "undo-boom", "undo-c", "undo-b", "undo-a"])
    }

    @Test func theSecondRunHitsTheCacheAndDoesNotRunTheTask() async throws {
        let ws = try Workspace()
        let marker = ws.dir.appendingPathComponent("marker").path
        let flow = try ws.write("cache.yaml", """
            name: cached
            outputs: {y: work.y}
            tasks:
              work:
                command: [sh, -c, "echo ran >> \(marker); echo '{\\"y\\": 42}' > $SLUICE_OUTPUTS"]
                inputs: {x: int}
                outputs: {y: int}
                cache: {version: "1"}
            nodes:
              - {id: work, task: work, inputs: {x: 1}}
            """)
        await #expect(try ws.sluice(["run", flow, "--run-id", "c1", "-o", "json"]).status == 0)
        let second = try await ws.sluice(["run", flow, "--run-id", "c2", "-o", "json"])
        #expect(second.status == 0)
        #expect(second.stdout.contains("\"y\":42"))
        #expect(ws.lines("marker") == ["ran"])
        await #expect(ws.node(try ws.status("c2"), "work")?["cache_hit_from"] as? String == "c1/work")
    }

    @Test func badInputIsRefusedWithExitTwoAndLeavesTheStoreAlone() async throws {
        let ws = try Workspace()
        let flow = try ws.write("gate.yaml", """
            name: gated
            nodes:
              - {id: pick, gate: {signal: threshold, type: float}}
            """)
        let run = Process()
        run.executableURL = CLI.binary
        run.arguments = ["run", flow, "--run-id", "g1", "--store", ws.store]
        run.standardOutput = FileHandle.nullDevice
        try run.run()
        defer { if run.isRunning { run.terminate() } }
        // Under load (CI on two cores runs suites in parallel) the run may take a while to reach its gate.
        let deadline = Date().addingTimeInterval(120)
        while await (try? ws.status("g1"))?["state"] as? String != "waiting", Date() < deadline { try await Task.sleep(for: .seconds(0.1)) }
        try await #require((try? ws.status("g1"))?["state"] as? String == "waiting", "the run never reached its gate")
        let before = try await ws.sluice(["status", "g1", "-o", "json"]).stdout
        let cases: [([String], String)] = [
            (["status", "nope"], "no run 'nope'"),
            (["signal", "g1", "threshold", "high"], "expected float"),
            (["signal", "g1", "other", "1"], "has no signal gate 'other'"),
            (["approve", "g1", "pick"], "not an approval gate"),
            (["approve", "nope", "pick"], "no run 'nope'"),
        ]
        for (args, message) in cases {
            let out = try await ws.sluice(args)
            #expect(out.status == 2, "\(args)")
            #expect(out.stderr.contains(message), "\(args): \(out.stderr)")
        }
        let after = try await ws.sluice(["status", "g1", "-o", "json"]).stdout
        #expect(before.replacingOccurrences(of: #""duration_ms" : \d+"#, with: "", options: .regularExpression)
                == after.replacingOccurrences(of: #""duration_ms" : \d+"#, with: "", options: .regularExpression))
        let signal = try await ws.sluice(["signal", "g1", "threshold", "0.5"])
        #expect(signal.status == 0)
        try await offPool { run.waitUntilExit() }
        #expect(run.terminationStatus == 0)
        await #expect(ws.node(try ws.status("g1"), "pick")?["outputs"] as? [String: Double] == ["value": 0.5])
    }
}

@Suite(.serialized) struct ResourceLimitTests {
    @Test func aTaskOverItsMemoryLimitIsReportedOutOfMemory() async throws {
        let ws = try Workspace()
        let flow = try ws.write("oom.yaml", """
            name: oom
            tasks:
              hog:
                command: [python3, -c, "x = bytearray(400 * 1024 * 1024); print(len(x))"]
                resources: {memory: 64Mi}
            nodes:
              - {id: hog, task: hog}
            """)
        let out = try await ws.sluice(["run", flow, "--run-id", "m1", "-o", "json"])
        let stderrLog = ws.read(".sluice/attempts/m1/hog/1/stderr.log")
        if stderrLog.contains("cannot be enforced") {
            // This machine lets us set no memory limit; the task ran and said so in its log.
            #expect(out.status == 0)
            return
        }
        #expect(out.status == 1)
        let node = await ws.node(try ws.status("m1"), "hog")
        #expect((node?["error"] as? String)?.contains("out of memory") == true, "\(String(describing: node))")
        let attempt = (node?["attempts"] as? [[String: Any]])?.first
        #expect(attempt?["max_rss_bytes"] != nil)
    }
}

@Suite(.serialized) struct InterruptAndLogsTests {
    @Test func ctrlCAbortsTheRunAndKillsItsTasks() async throws {
        let ws = try Workspace()
        let pidFile = ws.dir.appendingPathComponent("pid").path
        let flow = try ws.write("slow.yaml", """
            name: slow
            tasks:
              slow: {command: [sh, -c, "echo $$ > \(pidFile); echo working; sleep 3600"]}
            nodes:
              - {id: slow, task: slow}
            """)
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["run", flow, "--run-id", "i1", "--store", ws.store]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while ws.read("pid").isEmpty, Date() < deadline { try await Task.sleep(for: .seconds(0.05)) }
        kill(p.processIdentifier, SIGINT)
        try await offPool { p.waitUntilExit() }
        #expect(p.terminationStatus == 1)
        let s = try await ws.status("i1")
        #expect(s["state"] as? String == "aborted")
        #expect((s["aborted_by"] as? String)?.contains("interrupted (Ctrl-C)") == true)
        if let pid = Int32(ws.read("pid").trimmingCharacters(in: .whitespacesAndNewlines)) {
            #expect(try await offPool { processGone(pid) }, "task \(pid) survived Ctrl-C")
        }
        let logs = try await ws.sluice(["logs", "i1", "slow", "--stdout"])
        #expect(logs.status == 0)
        #expect(logs.stdout == "working\n")
        let resume = try await ws.sluice(["resume", "i1"])
        #expect(resume.status == 1)
        #expect(resume.stderr.contains("already finished: aborted"))
    }
}

@Suite(.serialized) struct HeartbeatEndToEndTests {
    @Test func progressLinesKeepATaskAliveAndSilenceStopsIt() async throws {
        let ws = try Workspace()
        let flow = try ws.write("beats.yaml", """
            name: beats
            tasks:
              chatty:
                command: [sh, -c, "for i in 1 2 3 4 5 6; do echo '{\\"progress\\": 0.'$i'}' >> $SLUICE_PROGRESS; sleep 0.3; done"]
                heartbeat: 1s
              silent:
                command: [sleep, "20"]
                heartbeat: 1s
                retries: {system_attempts: 1}
            nodes:
              - {id: chatty, task: chatty}
              - {id: silent, task: silent}
            on_failure: {policy: finish-running}
            """)
        let out = try await ws.sluice(["run", flow, "--run-id", "hb", "-o", "json"])
        #expect(out.status == 1)
        let s = try await ws.status("hb")
        #expect(ws.node(s, "chatty")?["state"] as? String == "succeeded")
        let silent = ws.node(s, "silent")
        #expect(silent?["state"] as? String == "failed")
        #expect((silent?["error"] as? String)?.contains("no heartbeat") == true, "\(String(describing: silent))")
    }
}

@Suite(.serialized) struct RetryEndToEndTests {
    @Test func retryReusesWhatSucceededAndRunsTheRest() async throws {
        let ws = try Workspace()
        let marker = ws.dir.appendingPathComponent("marker").path
        let gate = ws.dir.appendingPathComponent("ok").path
        let flow = try ws.write("flaky.yaml", """
            name: flaky
            tasks:
              step:
                command: [sh, -c, "echo {{inputs.name}} >> \(marker); [ {{inputs.name}} != b ] || [ -f \(gate) ]"]
                inputs: {name: string}
            nodes:
              - {id: a, task: step, inputs: {name: "a"}}
              - {id: b, task: step, inputs: {name: "b"}, after: [a]}
              - {id: c, task: step, inputs: {name: "c"}, after: [b]}
            """)
        await #expect(try ws.sluice(["run", flow, "--run-id", "f1", "-o", "json"]).status == 1)
        _ = FileManager.default.createFile(atPath: gate, contents: nil)
        let retry = try await ws.sluice(["retry", "f1", "-o", "json"])
        #expect(retry.status == 0, "\(retry.stdout)\(retry.stderr)")
        #expect(ws.lines("marker") == ["a", "b", "b", "c"])
        await #expect(try ws.sluice(["retry", "nope"]).status == 2)
        let history = try await ws.sluice(["history", "-o", "json"])
        let rows = try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.first?["state"] as? String == "succeeded")
        await #expect(try ws.sluice(["retry", rows.first?["id"] as? String ?? ""]).status == 2)
    }
}
