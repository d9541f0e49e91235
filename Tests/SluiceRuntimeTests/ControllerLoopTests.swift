import Foundation
import SluiceCompiler
import SluiceModel
import SluiceStore
import Testing
@testable import SluiceEngine
@testable import SluiceRuntime

@Suite struct ControllerLoopTests {
    static let twoGates = """
        name: gated
        tasks:
          after: {command: ["true"]}
        nodes:
          - {id: review, gate: {approve: "yes"}}
          - {id: done, task: after, after: [review]}
        """

    /// Waits for `done` to hold of the run's stored node states; fails after 60 s (a guard, not a latency bound).
    static func eventually(_ what: String, _ done: @escaping @Sendable () throws -> Bool) async throws {
        let met = try await onThread {
            let deadline = ContinuousClock.now + .seconds(60)
            while try !done() {
                guard ContinuousClock.now < deadline else { return false }
                Thread.sleep(forTimeInterval: 0.01)
            }
            return true
        }
        if !met { Issue.record("\(what): not within 60 s") }
    }

    static func nodeState(_ store: Store, _ run: String, _ node: String) throws -> String? {
        try store.loadRun(run)?.nodes.first { $0.nodeID == node }?.state
    }

    @Test func aSleepGateWakesWhenTheInjectedClockPassesItsTime() async throws {
        var options = Controller.Options()
        let clock = ManualClock(Date())  // a fractional millisecond: times round to whole ones
        options.clock = clock
        let f = try ControllerFixture(options: options)
        let napFlow = try ControllerFixture.flow("""
            name: nap
            tasks: {t: {command: ["true"]}}
            nodes:
              - {id: nap, gate: {sleep: 1h}}
              - {id: t, task: t, after: [nap]}
            """)
        let c = f.controller
        let id = try await onThread { try c.submit(flow: napFlow, inputs: [:], runID: "nap") }
        f.controller.drive(id)
        try await Self.eventually("the gate waits") { try Self.nodeState(f.controller.store, id, "nap") == "waiting" }
        clock.advance(by: 3599)
        // Nothing is due yet: the run stays at the gate however long the test takes.
        #expect(try await onThread { try Self.nodeState(c.store, id, "nap") } == "waiting")
        clock.advance(by: 1)
        let final = try await f.controller.ended(id)
        #expect(final.header.phase == .succeeded)
    }

    /// A heartbeat moves the run's wake time later while an earlier timer is armed: that timer fires early,
    /// finds nothing due, and must re-arm the later time (dropped by the queue, which keeps the earliest).
    @Test func aWakeMovedLaterByAHeartbeatIsReArmedWhenTheEarlierTimerFires() async throws {
        var options = Controller.Options()
        let clock = ManualClock(Date())
        options.clock = clock
        let f = try ControllerFixture(options: options)
        let flow = try ControllerFixture.flow("""
            name: beat
            tasks:
              t:
                command: [sleep, "600"]
                heartbeat: 10s
                retries: {system_attempts: 1}
            nodes:
              - {id: t, task: t}
            """)
        let c = f.controller
        let id = try await onThread { try c.submit(flow: flow, inputs: [:], runID: "beat") }
        c.drive(id)
        try await Self.eventually("the task runs") { try Self.nodeState(c.store, id, "t") == "running" }
        // Times count from the attempt's start as its supervisor recorded it (real time, however late on a busy
        // machine): move the manual clock to fixed offsets from it.
        let started = try #require(try await onThread { try c.state(of: id)?.1.nodes["t"]?.attempts.first?.startedAt })
        let start = try #require(StateCoding.date(started))
        let moveTo = { (offset: TimeInterval) in clock.advance(by: max(0, start.addingTimeInterval(offset).timeIntervalSince(clock.now()))) }
        moveTo(5)
        #expect(c.deliver(id, .heartbeat(AttemptRef(node: "t", attempt: 1))) == .delivered)
        try await Self.eventually("the heartbeat is recorded") {
            try c.state(of: id)?.1.nodes["t"]?.attempts.first?.lastHeartbeat != nil
        }
        // Past the first due time (start + 10 s), before the moved one (heartbeat + 10 s): still running.
        moveTo(11.5)
        try await Self.eventually("the early timer fires and re-arms") { c.metrics[.earlyWakes] >= 1 }
        #expect(try await onThread { try Self.nodeState(c.store, id, "t") } == "running")
        // Past the moved due time: only the re-armed timer can wake the run now.
        moveTo(16.5)
        try await Self.eventually("the silent task is stopped") { try c.store.runSummary(id)?.state.isFinal == true }
        try await Self.eventually("the finished run is let go") { !c.drivenRuns.contains(id) }
        let final = try #require(try await onThread { try c.state(of: id)?.1 })
        #expect(final.header.phase == .failed)
        #expect(final.nodes["t"]?.attempts.first?.cancelReason == .heartbeat, "\(String(describing: final.nodes["t"]))")
    }

    @Test func anApprovalPostedThroughAnotherConnectionIsSeenByTheInboxProbe() async throws {
        let f = try ControllerFixture()
        let c = f.controller, flow = try ControllerFixture.flow(Self.twoGates)
        let id = try await onThread { try c.submit(flow: flow, inputs: [:], runID: "g") }
        f.controller.drive(id)
        try await Self.eventually("the gate waits") { try Self.nodeState(f.controller.store, id, "review") == "waiting" }
        // Another process's view of the same file: no hook tells the controller.
        let dir = f.directory
        try await onThread {
            let other = try Store.open(directory: dir)
            try GateActions(store: other).decide(runID: id, node: "review", approved: true, comment: nil, by: "ada")
        }
        #expect(try await f.controller.ended(id).header.phase == .succeeded)
    }

    @Test func anApprovalWhoseVerdictCannotBeReadIsARejection() async throws {
        let f = try ControllerFixture()
        let c = f.controller, flow = try ControllerFixture.flow(Self.twoGates)
        let id = try await onThread { try c.submit(flow: flow, inputs: [:], runID: "g") }
        f.controller.drive(id)
        try await Self.eventually("the gate waits") { try Self.nodeState(f.controller.store, id, "review") == "waiting" }
        try await onThread { _ = try c.store.post(InboxMessage(runID: id, kind: .approval, target: "review", payload: Data("{not json".utf8), by: "mallory")) }
        f.controller.inboxPosted(id)
        let final = try await f.controller.ended(id)
        #expect(final.header.phase == .failed)
        #expect(final.nodes["done"] == nil || final.nodes["done"]?.phase != .succeeded)
        #expect(f.controller.metrics[.inboxErrors] == 1)
    }

    @Test func manyRunsWaitingAtGatesHoldAFixedNumberOfThreads() async throws {
        // This controller's own threads, by name (other tests run in the same process at the same time).
        @Sendable func threads() -> Int {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
            return tasks.filter { t in
                ((try? String(contentsOfFile: "/proc/self/task/\(t)/comm", encoding: .utf8)) ?? "").hasPrefix("gates200-")
            }.count
        }
        var options = Controller.Options()
        options.threadName = "gates200"
        // Threads are the point here, not leases: on a loaded machine 200 submits and aborts may hold the store long
        // enough for a 30 s lease to lapse before its renewal, and the runs would pass to "another controller".
        options.leaseTTL = .seconds(3600)
        let f = try ControllerFixture(options: options)
        let flow = try ControllerFixture.flow(Self.twoGates)
        let c = f.controller
        let ids = try await onThread { try (0..<200).map { try c.submit(flow: flow, inputs: [:], runID: "w\($0)") } }
        for id in ids { f.controller.drive(id) }
        try await Self.eventually("every run waits") {
            try c.store.listRuns(state: [.waiting], limit: 500).count == ids.count
        }
        // The workers and the housekeeping thread, made once; no thread per run.
        #expect(threads() == options.workers + 1, "\(threads()) controller threads for \(ids.count) waiting runs")
        for id in ids { f.controller.requestAbort(id, by: "test", reason: "done") }
        for id in ids { #expect(try await f.controller.ended(id).header.phase == .aborted) }
    }

    @Test func anAttemptThatEndedWhileNoControllerRanKeepsItsOwnDuration() async throws {
        let dir = NSTemporaryDirectory() + "sluice-resume-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let go = dir + "/go"
        let first = try Controller(directory: dir)
        first.start()
        let slowFlow = try ControllerFixture.flow("""
            name: slow
            tasks: {t: {command: [sh, -c, "while [ ! -e \(go) ]; do sleep 0.01; done"]}}
            nodes: [{id: t, task: t}]
            """)
        let id = try await onThread { try first.submit(flow: slowFlow, inputs: [:], runID: "slow") }
        first.drive(id)
        try await Self.eventually("the task runs") { try Self.nodeState(first.store, id, "t") == "running" }
        first.stop()  // the task keeps running under its supervisor
        _ = FileManager.default.createFile(atPath: go, contents: Data())
        try await Self.eventually("the task ends") { FileManager.default.fileExists(atPath: dir + "/attempts/slow/t/1/result.json") }
        // A controller that starts an hour later must not count the hour.
        var options = Controller.Options()
        options.clock = ManualClock(Date().addingTimeInterval(3600))
        let second = try Controller(directory: dir, options: options)
        second.start()
        defer { second.stop() }
        second.drive(id)
        let final = try await second.ended(id)
        #expect(final.header.phase == .succeeded)
        let node = try #require(final.nodes["t"])
        let took = try #require(node.finishedAt).milliseconds - (try #require(node.startedAt)).milliseconds
        #expect(took < 600_000, "the node took \(took) ms by its record")
    }

    @Test func theLocalBackendRunsTasksInTheirWorkingDirWithSecretsAsEnvironment() async throws {
        let f = try ControllerFixture()
        try FileManager.default.createDirectory(atPath: f.directory + "/secrets", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: f.directory + "/secrets/db-pass", contents: Data("hunter2\n".utf8))
        let state = try await f.run("""
            name: wd
            tasks:
              t:
                command: [sh, -c, "printf '{\\"dir\\": \\"%s\\", \\"pass\\": \\"%s\\"}' \\"$(pwd)\\" \\"$DB_PASS\\" > $SLUICE_OUTPUTS"]
                working_dir: sub/dir
                secrets: [{name: db-pass, env: DB_PASS}]
                outputs: {dir: string, pass: string}
            nodes: [{id: t, task: t}]
            """)
        #expect(state.header.phase == .succeeded, "\(state.header.failure?.message ?? "")")
        let out = try #require(state.nodes["t"]?.outputs)
        #expect(out["pass"] == .string("hunter2"))
        guard case .string(let dir)? = out["dir"] else { Issue.record("no dir output"); return }
        #expect(dir.hasSuffix("/work/sub/dir"))
    }

    @Test func whatTheLocalBackendCannotHonourIsRefusedWithItsPlace() throws {
        let f = try ControllerFixture(start: false)
        let text = """
            name: cannot
            tasks:
              pod: {pod: {containers: [{name: main, image: busybox}]}}
              sql: {type: sql, config: {statement: "select 1"}}
              image: {image: "python:3.12-slim"}
              gpu: {command: ["true"], resources: {gpu: 1}}
              mounted: {command: ["true"], secrets: [{name: creds, path: /etc/creds}]}
              missing: {command: ["true"], secrets: [{name: nowhere, env: X}]}
              unused: {pod: {containers: [{name: main, image: busybox}]}}
            nodes:
              - {id: a, task: pod}
              - {id: b, task: sql}
              - {id: c, task: image}
              - {id: d, task: gpu}
              - {id: e, task: mounted}
              - {id: g, task: missing}
            """
        let r = FlowCompiler.compile(text, file: "cannot.yaml", for: f.controller.compileTarget)
        #expect(r.flow == nil)
        let lines = r.diagnostics.map(\.description)
        let expected = [
            "cannot.yaml:3:", "tasks.pod.pod: pod tasks need the kubernetes backend",
            "cannot.yaml:4:", "tasks.sql.type: no plugin for task type 'sql'",
            "tasks.image.image: the local backend runs 'command'",
            "tasks.gpu.resources.gpu: the local backend cannot grant GPUs",
            "tasks.mounted.secrets[0].path: the local backend cannot mount secret 'creds'",
            "tasks.missing.secrets[0].name: secret 'nowhere' is not in the local backend's secret source",
        ]
        for e in expected { #expect(lines.contains { $0.contains(e) }, "missing \(e) in \(lines)") }
        #expect(!lines.contains { $0.contains("tasks.unused") }, "an unused task is not refused")
        #expect(r.diagnostics.allSatisfy { $0.code == .unsupported })
        // Without a target the same file is a valid flow (for `validate` and the Kubernetes backend).
        #expect(FlowCompiler.compile(text, file: "cannot.yaml").flow != nil)
    }
}
