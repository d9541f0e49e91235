import Foundation
import Testing
@testable import SluiceStore

@Suite struct CommitTests {
    @Test func aStepCommitWritesRunNodesAttemptsAndEventsTogether() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        try store.createRun(newRun("r1"))
        let start = millis(1_732_550_000_123)
        let result = try store.commit(StepCommit(
            runID: "r1",
            run: RunUpdate(state: .running, header: json(#"{"phase":"running"}"#), started: start),
            nodes: [NodeUpdate(nodeID: "fit[3]", state: "running", step: "Federated Training", started: start, data: json(#"{"a":1}"#))],
            attempts: [AttemptRecord(nodeID: "fit[3]", attempt: 1, state: "running", started: start, logDirectory: "/logs/fit-3/1")],
            events: [NewEvent(time: start, kind: "attempt.started", nodeID: "fit[3]", attempt: 1, message: "attempt 1 of fit[3] started")]))

        #expect(result.nodeSeq == 1)
        #expect(result.eventSeqs.count == 1)
        let loaded = try #require(try store.loadRun("r1"))
        #expect(loaded.run.summary.state == .running)
        #expect(loaded.run.summary.started == start)
        #expect(loaded.run.header == json(#"{"phase":"running"}"#))
        #expect(loaded.run.compiledFlow == json(#"{"name":"hello","nodes":[]}"#))
        #expect(loaded.run.nodeSeq == 1)
        #expect(loaded.nodes == [NodeRecord(nodeID: "fit[3]", state: "running", step: "Federated Training", started: start, finished: nil, data: json(#"{"a":1}"#), updatedSeq: 1)])
        #expect(try store.attempts(runID: "r1", nodeID: "fit[3]").map(\.logDirectory) == ["/logs/fit-3/1"])
        #expect(try store.events(runID: "r1").map(\.kind) == ["attempt.started"])
    }

    @Test func aFailureInTheLastStatementLeavesNothingOfTheCommit() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        try store.createRun(newRun("r1"))
        let signal = try store.post(InboxMessage(runID: "r1", kind: .signal, target: "threshold", payload: json("0.5"), by: "ana"))
        let before = try store.latestEventSeq()

        // Everything is valid except the last statement: a cache entry with an empty key
        // violates its CHECK constraint.
        let failing = StepCommit(
            runID: "r1", run: RunUpdate(state: .running, header: json(#"{"changed":true}"#)),
            nodes: [NodeUpdate(nodeID: "pick", state: "succeeded", data: json("{}"))],
            attempts: [AttemptRecord(nodeID: "pick", attempt: 1, state: "succeeded")],
            events: [NewEvent(kind: "gate.opened", nodeID: "pick", message: "signal threshold arrived")],
            consumeInbox: [signal],
            cachePuts: [CacheEntry(key: "", taskName: "t", cacheVersion: "1", outputs: json("{}"), runID: "r1", nodeID: "pick")])
        let error = #expect(throws: StoreError.self) { try store.commit(failing) }
        guard case .sqlite(_, let code, let message)? = error else {
            Issue.record("expected an SQLite constraint error, got \(String(describing: error))")
            return
        }
        #expect(code & 0xff == 19)  // SQLITE_CONSTRAINT
        #expect(message.contains("CHECK constraint failed"))

        let loaded = try #require(try store.loadRun("r1"))
        #expect(loaded.run.summary.state == .queued)
        #expect(loaded.run.header == json(#"{"phase":"new"}"#))
        #expect(loaded.run.nodeSeq == 0)
        #expect(loaded.nodes.isEmpty)
        #expect(try store.attempts(runID: "r1").isEmpty)
        #expect(try store.latestEventSeq() == before)
        #expect(try store.pendingInbox(runID: "r1").map(\.id) == [signal])

        // The same step without the bad entry lands whole.
        var fixed = failing
        fixed.cachePuts = []
        try store.commit(fixed)
        #expect(try store.loadRun("r1")?.nodes.count == 1)
        #expect(try store.pendingInbox(runID: "r1").isEmpty)
    }

    @Test func aCommitForAnUnknownRunNamesIt() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        #expect(throws: StoreError.noRun(runID: "ghost", path: store.path)) {
            try store.commit(StepCommit(runID: "ghost", nodes: [NodeUpdate(nodeID: "a", state: "x", data: json("{}"))]))
        }
    }

    @Test func nilRunFieldsAreLeftAsTheyAre() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        try store.createRun(newRun("r1"))
        try store.commit(StepCommit(runID: "r1", run: RunUpdate(state: .running, started: millis(1000))))
        try store.commit(StepCommit(runID: "r1", run: RunUpdate(state: .succeeded, outputs: json(#"{"model":"s3://m"}"#), finished: millis(5000))))
        let run = try #require(try store.run("r1"))
        #expect(run.summary.started == millis(1000))
        #expect(run.summary.finished == millis(5000))
        #expect(run.summary.state == .succeeded)
        #expect(run.outputs == json(#"{"model":"s3://m"}"#))
        #expect(run.header == json(#"{"phase":"new"}"#))
        #expect(run.summary.error == nil)
    }

    @Test func nodesUpdatedReturnsOnlyRowsChangedSinceASeq() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        try store.createRun(newRun("r1"))
        try store.commit(StepCommit(runID: "r1", nodes: ["a", "b", "c"].map { NodeUpdate(nodeID: $0, state: "queued", data: json("{}")) }))
        let loaded = try #require(try store.loadRun("r1"))
        let second = try store.commit(StepCommit(runID: "r1", nodes: [NodeUpdate(nodeID: "b", state: "running", data: json(#"{"b":2}"#))]))
        try store.commit(StepCommit(runID: "r1", events: [NewEvent(kind: "run.tick", message: "nothing changed on nodes")]))
        let third = try store.commit(StepCommit(runID: "r1", nodes: [NodeUpdate(nodeID: "sub/child", state: "queued", data: json("{}"))]))

        let changed = try store.nodesUpdated(runID: "r1", afterSeq: loaded.run.nodeSeq)
        #expect(changed.map(\.nodeID) == ["b", "sub/child"])
        #expect(changed.map(\.updatedSeq) == [second.nodeSeq, third.nodeSeq])
        #expect(try store.nodesUpdated(runID: "r1", afterSeq: third.nodeSeq).isEmpty)
        #expect(try store.nodeStateCounts(runID: "r1") == ["queued": 3, "running": 1])
        #expect(throws: StoreError.noRun(runID: "nope", path: store.path)) { try store.nodesUpdated(runID: "nope", afterSeq: 0) }
    }

    @Test func attemptsAreUpsertedPerNodeAttemptAndPurpose() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        try store.createRun(newRun("r1"))
        let usage = ResourceUsage(maxRSSBytes: 52_428_800, userCPUSeconds: 1.25, systemCPUSeconds: 0.5)
        try store.commit(StepCommit(runID: "r1", attempts: [
            AttemptRecord(nodeID: "train", attempt: 1, state: "running"),
            AttemptRecord(nodeID: "train", attempt: 1, purpose: .revert, state: "queued"),
        ]))
        try store.commit(StepCommit(runID: "r1", attempts: [
            AttemptRecord(nodeID: "train", attempt: 1, state: "failed", exitCode: 137, signal: 9, error: "killed", usage: usage),
            AttemptRecord(nodeID: "train", attempt: 2, state: "running"),
        ]))
        let attempts = try store.attempts(runID: "r1", nodeID: "train")
        #expect(attempts.map { "\($0.attempt)/\($0.purpose.rawValue)/\($0.state)" } == ["1/run/failed", "1/revert/queued", "2/run/running"])
        #expect(attempts[0].exitCode == 137 && attempts[0].signal == 9 && attempts[0].usage == usage)
    }

    @Test func aCommitFromAnOwnerThatLostTheLeaseIsRefused() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        try store.createRun(newRun("r1"))
        let now = millis(1_000_000)
        #expect(try store.claim(runID: "r1", owner: "ctl-a", ttl: .seconds(10), now: now))
        try store.commit(StepCommit(runID: "r1", leaseOwner: "ctl-a", run: RunUpdate(state: .running)))
        #expect(try store.claim(runID: "r1", owner: "ctl-b", ttl: .seconds(10), now: now.addingTimeInterval(11)))
        #expect(throws: StoreError.leaseNotHeld(runID: "r1", owner: "ctl-a", path: store.path)) {
            try store.commit(StepCommit(runID: "r1", leaseOwner: "ctl-a", run: RunUpdate(state: .failed)))
        }
        #expect(try store.runSummary("r1")?.state == .running)
    }

    @Test func aTenThousandNodeRunRoundTrips() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        try store.createRun(newRun("big"))
        let nodes = (0..<10_000).map { index in
            NodeUpdate(nodeID: "each[\(index)]", state: index % 7 == 0 ? "failed" : "succeeded", step: "Map",
                       started: millis(Int64(index)), finished: millis(Int64(index) + 5),
                       data: json(#"{"index":\#(index),"outputs":{"n":\#(index * 2)}}"#))
        }
        for chunk in stride(from: 0, to: nodes.count, by: 1000) {
            try store.commit(StepCommit(runID: "big", nodes: Array(nodes[chunk..<chunk + 1000])))
        }
        store.close()

        let reopened = try scratch.openStore()
        defer { reopened.close() }
        let loaded = try #require(try reopened.loadRun("big"))
        #expect(loaded.nodes.count == 10_000)
        let byID = Dictionary(uniqueKeysWithValues: loaded.nodes.map { ($0.nodeID, $0) })
        let mismatched = nodes.filter { node -> Bool in
            guard let stored = byID[node.nodeID] else { return true }
            return stored.state != node.state || stored.step != node.step || stored.data != node.data
                || stored.started != node.started || stored.finished != node.finished
        }
        #expect(mismatched.prefix(3).map(\.nodeID) == [])
        #expect(loaded.run.nodeSeq == 10)
    }
}
