import Foundation
import Testing

/// Runs blocking work (process waits, file polls) on a thread of its own, so end-to-end tests never hold one of
/// the cooperative pool's two threads while they wait.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        let t = Thread { c.resume(with: Result { try body() }) }
        t.stackSize = 1 << 20
        t.start()
    }
}

/// Blocking helpers (process waits, polling loops) call this first. It records an issue when they run on one of
/// Swift's cooperative pool threads (a test's own task, not `offPool` or `onOwnThread`): the pool has one thread
/// per core, two in CI, and a test that holds one while it waits starves every async test beside it, including
/// the in-process servers other tests talk to.
func mustNotBlockThePool(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    // A task on its own executor (`onOwnThread`) has a thread of its own; a task without one is on the pool.
    guard withUnsafeCurrentTask(body: { $0 != nil && $0?.unownedTaskExecutor == nil }) else { return }
    Issue.record("\(what) blocks a thread of Swift's cooperative pool: wrap it in offPool { } or onOwnThread { }",
                 sourceLocation: sourceLocation)
}

/// Polls `done` until it holds; false after 180 s (a guard against hanging, not a latency bound: the suite starts
/// hundreds of tests at once on two cores, and the first minute of a run can be that slow).
func waitFor(_ done: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    mustNotBlockThePool("waitFor", sourceLocation: sourceLocation)
    let deadline = Date().addingTimeInterval(180)
    while !done() {
        if Date() > deadline { return false }
        Thread.sleep(forTimeInterval: 0.01)
    }
    return true
}

/// `sluice run` under the signals a terminal, a pipe and a service manager send, and `abort` of a run
/// nobody drives.
@Suite(.serialized) struct SignalTests {
    /// A flow whose one task marks that it started, waits for `go`, and counts its runs.
    static func waitingFlow(_ ws: Workspace) throws -> String {
        let d = ws.dir.path
        return try ws.write("wait.yaml", """
            name: wait
            tasks:
              hold: {command: [sh, -c, "echo x >> \(d)/runs; touch \(d)/started; while [ ! -e \(d)/go ]; do sleep 0.02; done"]}
            nodes: [{id: hold, task: hold}]
            """)
    }

    /// Starts `sluice run` on the waiting flow; stdout is a pipe the caller may close.
    static func start(_ ws: Workspace, _ flow: String, id: String) throws -> (Process, Pipe) {
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["run", flow, "--run-id", id, "--store", ws.store]
        p.currentDirectoryURL = ws.dir
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        return (p, out)
    }

    func exists(_ ws: Workspace, _ name: String) -> Bool {
        FileManager.default.fileExists(atPath: ws.dir.appendingPathComponent(name).path)
    }

    func go(_ ws: Workspace) { _ = FileManager.default.createFile(atPath: ws.dir.appendingPathComponent("go").path, contents: Data()) }

    @Test func aClosedOutputPipeDoesNotStopTheRun() async throws {
        let ws = try Workspace()
        let flow = try Self.waitingFlow(ws)
        let (p, out) = try Self.start(ws, flow, id: "piped")
        try out.fileHandleForReading.close()  // as `| head` does once it has enough
        #expect(try await offPool { waitFor { exists(ws, "started") } })
        go(ws)
        try await offPool { p.waitUntilExit() }
        #expect(p.terminationReason == .exit && p.terminationStatus == 0)
        await #expect(try ws.status("piped")["state"] as? String == "succeeded")
    }

    @Test func aHangUpKeepsTheRunGoingToItsEnd() async throws {
        let ws = try Workspace()
        let flow = try Self.waitingFlow(ws)
        let (p, _) = try Self.start(ws, flow, id: "hup")
        #expect(try await offPool { waitFor { exists(ws, "started") } })
        kill(p.processIdentifier, SIGHUP)
        go(ws)
        try await offPool { p.waitUntilExit() }
        #expect(p.terminationReason == .exit && p.terminationStatus == 0)
        await #expect(try ws.status("hup")["state"] as? String == "succeeded")
    }

    @Test func sigtermDetachesAndResumeFinishesWithoutRunningTheTaskAgain() async throws {
        let ws = try Workspace()
        let flow = try Self.waitingFlow(ws)
        let (p, _) = try Self.start(ws, flow, id: "term")
        #expect(try await offPool { waitFor { exists(ws, "started") } })
        kill(p.processIdentifier, SIGTERM)
        try await offPool { p.waitUntilExit() }
        #expect(p.terminationStatus == 143)
        let status = try await ws.sluice(["status", "term"])
        #expect(status.stderr.contains("nobody is driving run term"), "\(status.stderr)")
        #expect(status.stderr.contains("sluice resume term"))
        go(ws)
        let resumed = try await offPool { try ws.sluice(["resume", "term", "-o", "json"]) }
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(ws.lines("runs").count == 1, "the task ran \(ws.lines("runs").count) times")
    }

    @Test func abortOfARunWhoseControllerDiedCancelsItsTasks() async throws {
        let ws = try Workspace()
        let flow = try Self.waitingFlow(ws)
        let (p, _) = try Self.start(ws, flow, id: "orphan")
        #expect(try await offPool { waitFor { exists(ws, "started") } })
        kill(p.processIdentifier, SIGKILL)
        try await offPool { p.waitUntilExit() }
        let abort = try await offPool { try ws.sluice(["abort", "orphan", "--reason", "no longer needed"]) }
        #expect(abort.status == 0, "\(abort.stderr)")
        #expect(abort.stderr.contains("not driven"), "\(abort.stderr)")
        let s = try await ws.status("orphan")
        #expect(s["state"] as? String == "aborted")
        #expect(ws.node(s, "hold")?["state"] as? String == "aborted", "\(s)")
        let result = ws.dir.appendingPathComponent(".sluice/attempts/orphan/hold/1/result.json").path
        #expect((try? String(contentsOfFile: result, encoding: .utf8))?.contains("\"killedByUs\":true") == true, "the task was stopped by us")
        let status = try await ws.sluice(["status", "orphan"])
        #expect(!status.stderr.contains("nobody is driving"), "a finished run needs no driver")
    }

    @Test func ctrlCAbortsAndASecondCtrlCLeavesTheAbortForResume() async throws {
        let ws = try Workspace()
        let flow = try ws.write("stubborn.yaml", """
            name: stubborn
            tasks:
              hold: {command: [sh, -c, "trap '' TERM; touch \(ws.dir.path)/started; while true; do sleep 0.02; done"]}
            nodes: [{id: hold, task: hold}]
            """)
        let (p, _) = try Self.start(ws, flow, id: "int")
        #expect(try await offPool { waitFor { exists(ws, "started") } })
        kill(p.processIdentifier, SIGINT)  // abort: the task ignores SIGTERM, so the abort waits for the grace
        #expect(try await offPool { waitFor { (try? ws.sluice(["events", "int"]))?.stdout.contains("abort requested") ?? false } })
        kill(p.processIdentifier, SIGINT)  // stop waiting
        try await offPool { p.waitUntilExit() }
        #expect(p.terminationStatus == 130)
        let resumed = try await offPool { try ws.sluice(["resume", "int", "-o", "json"]) }
        #expect(resumed.status == 1)
        await #expect(try ws.status("int")["state"] as? String == "aborted")
    }
}
