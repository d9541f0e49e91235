import SluiceModel
import Testing
@testable import SluiceEngine

@Suite struct MapReportingTests {
    @Test func mapSucceededIsLoggedOnceForTheMapNodeNotPerItem() throws {
        let h = try Harness(MapTests.flow(", parallelism: 2", items: 5))
        h.settle()
        #expect(h.runPhase == .succeeded)
        let mapDone = h.events.filter { $0.kind == "node-succeeded" && $0.message == "map succeeded" }
        #expect(mapDone.map(\.node) == ["m"])
        #expect(h.node("m[3]")?.kind == "task")
        #expect(h.events.filter { $0.kind == "node-succeeded" && $0.node?.hasPrefix("m[") == true }.count == 5)
    }

    @Test func aFailedMapCountsCancelledItemsApartFromFailedOnes() throws {
        let h = try Harness(MapTests.flow("", items: 2))
        h.behavior = { spec in spec.ref.node == "m[0]" ? .exit(1) : .hang }
        h.settle()
        #expect(h.phase("m[1]") == .aborted)
        #expect(h.node("m")?.failure?.message == "1 of 2 items failed, 1 cancelled; needed 2 successes (first: m[0]: exited with code 1)")
    }

    @Test func itemsThatNeverStartedAreCountedAsNotRun() throws {
        let h = try Harness(MapTests.flow(", parallelism: 4, min_successes: 6"))
        h.behavior = { spec in ["m[0]", "m[1]", "m[2]"].contains(spec.ref.node) ? .exit(1) : .hang }
        h.settle()
        #expect(h.node("m")?.failure?.message == "3 of 8 items failed, 1 cancelled, 4 not run; needed 6 successes (first: m[0]: exited with code 1)")
    }

    @Test func anItemThatTimesOutAsTheMapIsLostStopsInsteadOfRetrying() throws {
        let h = try Harness("""
            name: mapper
            inputs: {xs: {type: list<int>, default: [0, 1]}}
            tasks:
              t:
                command: [work]
                inputs: {x: int}
                retries: {attempts: 2, backoff: {base: 1s, factor: 1}}
                timeout: 10s
            nodes:
              - {id: m, map: {over: inputs.xs, as: x, task: t, inputs: {x: x}}}
            """)
        h.behavior = { _ in .hang }
        h.settle()
        h.now = h.now + 5_000
        h.step([.attemptExited(AttemptRef(node: "m[0]", attempt: 1), AttemptExit(exitCode: 1))])
        h.advance(ms: 1_000)
        #expect(h.node("m[0]")?.attempts.count == 2)
        // m[1] reaches its time limit in the step where m[0] fails for good: the map is lost, so m[1] stops.
        h.now = h.now + 4_000
        h.step([.attemptExited(AttemptRef(node: "m[0]", attempt: 2), AttemptExit(exitCode: 1))])
        h.settle()
        #expect(h.phase("m[1]") == .timedOut)
        #expect(h.started.filter { $0.ref.node == "m[1]" }.count == 1)
        #expect(h.phase("m") == .failed)
        #expect(h.runPhase == .failed)
    }
}
