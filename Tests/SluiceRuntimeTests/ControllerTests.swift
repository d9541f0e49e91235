import Foundation
import SluiceCompiler
import SluiceModel
import SluiceStore
import Testing
@testable import SluiceEngine
@testable import SluiceRuntime

@Suite struct ControllerTests {
    static func temporaryStore() -> String {
        NSTemporaryDirectory() + "sluice-controller-\(UUID().uuidString)"
    }

    static func flow(_ yaml: String) throws -> CompiledFlow {
        let r = FlowCompiler.compile(yaml, file: "test.yaml")
        return try #require(r.flow, "\(r.diagnostics.map(\.description))")
    }

    @Test func runsProceedInParallelEachWithOneWorker() throws {
        let dir = Self.temporaryStore()
        let controller = try Controller(directory: dir)
        let marker = dir + "/marker"
        // Each run's task waits until both runs have started it: only parallel runs can finish.
        let flow = try Self.flow("""
            name: pair
            inputs: {me: string}
            tasks:
              meet:
                command: [sh, -c, "echo {{inputs.me}} >> \(marker); for i in $(seq 100); do [ $(wc -l < \(marker)) -ge 2 ] && exit 0; sleep 0.05; done; exit 1"]
                inputs: {me: string}
            nodes:
              - {id: meet, task: meet, inputs: {me: inputs.me}}
            """)
        let a = try controller.submit(flow: flow, inputs: ["me": .string("a")], runID: "a")
        let b = try controller.submit(flow: flow, inputs: ["me": .string("b")], runID: "b")
        let results = controller.driveAll([a, b])
        for id in [a, b] {
            let state = try #require(try results[id]?.get())
            #expect(state.header.phase == .succeeded, "run \(id): \(state.header.failure?.message ?? "")")
        }
    }

    @Test func aRunHeldByALiveDriverIsNotDrivenTwice() throws {
        let dir = Self.temporaryStore()
        let controller = try Controller(directory: dir)
        let flow = try Self.flow("""
            name: one
            tasks:
              t: {command: [sleep, "0.3"]}
            nodes:
              - {id: t, task: t}
            """)
        let id = try controller.submit(flow: flow, inputs: [:], runID: "solo")
        #expect(try controller.store.claim(runID: id, owner: "someone-else", ttl: .seconds(30)))
        #expect {
            _ = try controller.driver(for: id, leaseOwner: RunDriver.localOwner()).drive()
        } throws: { error in
            "\(error)".contains("being driven by someone-else")
        }
        let stored = try #require(try controller.store.loadRun(id))
        #expect(stored.nodes.isEmpty)
    }

    @Test func theStoreRecordsEveryStepAsEventsAndAttempts() throws {
        let dir = Self.temporaryStore()
        let controller = try Controller(directory: dir)
        let flow = try Self.flow("""
            name: rec
            tasks:
              t: {command: [sh, -c, "echo hi; exit 2"], retries: {attempts: 2, backoff: {base: 50ms}}}
            nodes:
              - {id: t, task: t}
            """)
        let id = try controller.submit(flow: flow, inputs: [:], runID: "rec")
        let state = try controller.driver(for: id).drive()
        #expect(state.header.phase == .failed)
        let attempts = try controller.store.attempts(runID: id, nodeID: "t")
        #expect(attempts.map(\.state) == ["failed", "failed"])
        #expect(attempts.allSatisfy { $0.exitCode == 2 && $0.logDirectory != nil })
        let kinds = try controller.store.events(runID: id).map(\.kind)
        #expect(kinds.first == "run-created")
        #expect(kinds.filter { $0 == "attempt-exited" }.count == 2)
        #expect(kinds.contains("retry-scheduled"))
        #expect(kinds.last == "run-failed")
        let summary = try #require(try controller.store.listRuns(limit: 5).first)
        #expect(summary.id == id && summary.state == .failed)
    }
}
