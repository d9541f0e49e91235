import Foundation
import SluiceCompiler
import SluiceModel
import SluiceStore
import Testing
@testable import SluiceEngine
@testable import SluiceRuntime

/// Runs blocking work (store calls, process waits) on a thread of its own, never on the cooperative pool.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        let t = Thread { c.resume(with: Result { try body() }) }
        t.stackSize = 1 << 20
        t.start()
    }
}

/// A started controller on a fresh store, stopped at the end of the test.
final class ControllerFixture: Sendable {
    let directory: String
    let controller: Controller

    init(options: Controller.Options = Controller.Options(), start: Bool = true) throws {
        directory = NSTemporaryDirectory() + "sluice-controller-\(UUID().uuidString)"
        controller = try Controller(directory: directory, options: options)
        if start { controller.start() }
    }

    deinit {
        controller.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func flow(_ yaml: String) throws -> CompiledFlow {
        let r = FlowCompiler.compile(yaml, file: "test.yaml")
        return try #require(r.flow, "\(r.diagnostics.map(\.description))")
    }

    /// Submits and drives a run here; returns its final state.
    func run(_ yaml: String, inputs: [String: LiteralValue] = [:], id: String = "r") async throws -> SluiceEngine.RunState {
        let flow = try Self.flow(yaml), controller = self.controller
        let runID = try await onThread { try controller.submit(flow: flow, inputs: inputs, runID: id) }
        controller.drive(runID)
        return try await controller.ended(runID)
    }
}

@Suite struct ControllerTests {
    @Test func runsProceedInParallelOnTheWorkerPool() async throws {
        let f = try ControllerFixture()
        let marker = f.directory + "/marker"
        // Each run's task waits until both runs have started it: only parallel runs can finish.
        let flow = try ControllerFixture.flow("""
            name: pair
            inputs: {me: string}
            tasks:
              meet:
                command: [sh, -c, "echo {{inputs.me}} >> \(marker); for i in $(seq 600); do [ $(wc -l < \(marker)) -ge 2 ] && exit 0; sleep 0.05; done; exit 1"]
                inputs: {me: string}
            nodes:
              - {id: meet, task: meet, inputs: {me: inputs.me}}
            """)
        let c = f.controller
        let a = try await onThread { try c.submit(flow: flow, inputs: ["me": .string("a")], runID: "a") }
        let b = try await onThread { try c.submit(flow: flow, inputs: ["me": .string("b")], runID: "b") }
        f.controller.drive(a)
        f.controller.drive(b)
        for id in [a, b] {
            let state = try await f.controller.ended(id)
            #expect(state.header.phase == .succeeded, "run \(id): \(state.header.failure?.message ?? "")")
        }
    }

    @Test func aRunLeasedToALiveOwnerIsRefusedAndLeftAlone() async throws {
        let f = try ControllerFixture()
        let flow = try ControllerFixture.flow("name: x\ntasks: {t: {command: [\"true\"]}}\nnodes: [{id: t, task: t}]")
        let c = f.controller
        let id = try await onThread { try c.submit(flow: flow, inputs: [:], runID: "x") }
        // A lease far longer than the test: on a loaded machine 30 s pass before the controller looks at it.
        #expect(try await onThread { try c.store.claim(runID: id, owner: "someone-else", ttl: .seconds(3600)) })
        f.controller.drive(id)
        await #expect {
            _ = try await f.controller.ended(id)
        } throws: { error in
            "\(error)".contains("being driven by someone-else")
        }
        let stored = try #require(try await onThread { try c.store.loadRun(id) })
        #expect(stored.nodes.isEmpty)
    }

    @Test func aLeaseOfADeadLocalProcessIsTakenOverAtOnce() async throws {
        let f = try ControllerFixture()
        let flow = try ControllerFixture.flow("name: x\ntasks: {t: {command: [\"true\"]}}\nnodes: [{id: t, task: t}]")
        let c = f.controller
        let id = try await onThread { try c.submit(flow: flow, inputs: [:], runID: "x") }
        // A pid that cannot be alive: above the kernel's pid limit.
        #expect(try await onThread { try c.store.claim(runID: id, owner: LeaseOwner.thisProcess(pid: 99_999_999).name, ttl: .seconds(300)) })
        f.controller.drive(id)
        #expect(try await f.controller.ended(id).header.phase == .succeeded)
    }

    @Test func theStoreRecordsEveryStepAsEventsAndAttempts() async throws {
        let f = try ControllerFixture()
        let state = try await f.run("""
            name: rec
            tasks:
              t: {command: [sh, -c, "echo hi; exit 2"], retries: {attempts: 2, backoff: {base: 50ms}}}
            nodes:
              - {id: t, task: t}
            """, id: "rec")
        #expect(state.header.phase == .failed)
        let store = f.controller.store
        let (attempts, kinds, lease) = try await onThread {
            (try store.attempts(runID: "rec", nodeID: "t"), try store.events(runID: "rec").map(\.kind), try store.lease(runID: "rec"))
        }
        #expect(attempts.map(\.state) == ["failed", "failed"])
        #expect(attempts.allSatisfy { $0.exitCode == 2 && $0.logDirectory != nil })
        #expect(kinds.first == "run-created")
        #expect(kinds.filter { $0 == "attempt-exited" }.count == 2)
        #expect(kinds.contains("retry-scheduled"))
        #expect(kinds.last == "run-failed")
        #expect(lease == nil)
        #expect(f.controller.metrics[.runsFinished] == 1)
    }

    @Test func anAttemptThatCannotStartFailsWithTheBackendsReason() async throws {
        let f = try ControllerFixture()
        let state = try await f.run("""
            name: nostart
            tasks:
              t: {command: ["printf"], secrets: [{name: missing-secret, env: TOKEN}]}
            nodes: [{id: t, task: t}]
            """)
        #expect(state.header.phase == .failed)
        #expect(state.header.failure?.message.contains("secret 'missing-secret'") == true)
        #expect(f.controller.metrics[.backendErrors] == 1)
    }
}
