import Foundation
import SluiceModel
import Testing
@testable import SluiceStore

/// Deleting and pruning runs: rows in one transaction, then attempt folders and driver logs.
@Suite struct PruneTests {
    /// A run with a node, an attempt, events, an inbox message and files, finished at `finished` (nil: running).
    private func seed(_ store: Store, _ id: String, finished: Date?, state: RunPhase = .succeeded, parent: String? = nil) throws {
        var run = newRun(id, created: millis(1000))
        run.parentRunID = parent
        run.events = [NewEvent(kind: "run-created", message: "created")]
        try store.createRun(run)
        try store.commit(StepCommit(
            runID: id, run: RunUpdate(state: finished == nil ? .running : state, finished: finished),
            nodes: [NodeUpdate(nodeID: "fit", state: "succeeded", data: json("{}"))],
            attempts: [AttemptRecord(nodeID: "fit", attempt: 1, state: "succeeded")],
            events: [NewEvent(kind: "node-succeeded", message: "fit done")]))
        _ = try store.post(InboxMessage(runID: id, kind: .abort, by: "ada", comment: "stop"))
        let folder = store.directory + "/attempts/\(id)/fit/1"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(repeating: 7, count: 10_000).write(to: URL(fileURLWithPath: folder + "/stdout.log"))
        try FileManager.default.createDirectory(atPath: store.directory + "/drivers", withIntermediateDirectories: true)
        try Data("driver".utf8).write(to: URL(fileURLWithPath: store.directory + "/drivers/\(id).log"))
    }

    @Test func deletingAFinishedRunRemovesItsRowsEventsAndFolders() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        try seed(store, "r1", finished: millis(5000))
        try seed(store, "r2", finished: millis(5000))

        let removed = try store.deleteRun("r1")

        #expect(removed.id == "r1" && removed.state == .succeeded && removed.bytes >= 10_000)
        #expect(try store.run("r1") == nil)
        #expect(try store.events(runID: "r1").isEmpty)
        #expect(try store.attempts(runID: "r1").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: store.directory + "/attempts/r1"))
        #expect(!FileManager.default.fileExists(atPath: store.directory + "/drivers/r1.log"))
        // The other run is untouched.
        #expect(try store.run("r2") != nil)
        #expect(try store.events(runID: "r2").count == 2)
        #expect(FileManager.default.fileExists(atPath: store.directory + "/attempts/r2/fit/1/stdout.log"))
    }

    @Test func eventsOfARunThatExistsStayAppendOnly() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        try seed(store, "r1", finished: millis(5000))
        #expect(throws: StoreError.self) {
            try store.write { connection throws(StoreError) in try connection.run("DELETE FROM events WHERE run_id = 'r1'", []) }
        }
        #expect(try store.events(runID: "r1").count == 2)
    }

    @Test func anUnfinishedRunOrOneStillHeldIsNotDeleted() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        try seed(store, "live", finished: nil)
        try seed(store, "held", finished: millis(5000))
        let now = Date()
        #expect(try store.claim(runID: "held", owner: "controller-a", ttl: .seconds(30), now: now))

        #expect { try store.deleteRun("live", now: now) } throws: { error in
            guard case StoreError.runNotDeletable(let id, let reason, _) = error else { return false }
            return id == "live" && reason.contains("is running") && reason.contains("--force")
        }
        #expect { try store.deleteRun("held", now: now) } throws: { error in
            guard case StoreError.runNotDeletable(_, let reason, _) = error else { return false }
            return reason.contains("controller-a")
        }
        #expect(try store.run("live") != nil && store.run("held") != nil)
        #expect(FileManager.default.fileExists(atPath: store.directory + "/attempts/live"))
        // Once the lease has expired, the finished run goes.
        #expect(try store.deleteRun("held", now: now.addingTimeInterval(60)).id == "held")
        #expect(throws: StoreError.noRun(runID: "gone", path: store.path)) { try store.deleteRun("gone") }
    }

    @Test func deletingAParentKeepsItsRetry() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        try seed(store, "old", finished: millis(5000), state: .failed)
        try seed(store, "retry", finished: millis(9000), parent: "old")

        _ = try store.deleteRun("old")

        let retry = try #require(try store.run("retry"))
        #expect(retry.summary.parentRunID == nil)
    }

    @Test func pruneRemovesOnlyFinishedRunsOlderThanTheCutInTheGivenStates() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        try seed(store, "old-ok", finished: millis(1_000_000))
        try seed(store, "old-failed", finished: millis(1_000_000), state: .failed)
        try seed(store, "new-ok", finished: millis(9_000_000))
        try seed(store, "running", finished: nil)

        let dry = try store.prune(PruneFilter(finishedBefore: millis(5_000_000)), dryRun: true)
        #expect(dry.runs.map(\.id).sorted() == ["old-failed", "old-ok"])
        #expect(dry.bytesFreed >= 20_000)
        #expect(try store.run("old-ok") != nil, "a dry run changes nothing")
        #expect(FileManager.default.fileExists(atPath: store.directory + "/attempts/old-ok"))

        let onlyFailed = try store.prune(PruneFilter(finishedBefore: millis(5_000_000), states: [.failed]))
        #expect(onlyFailed.runs.map(\.id) == ["old-failed"])
        #expect(try store.run("old-failed") == nil && store.run("old-ok") != nil)

        let rest = try store.prune(PruneFilter(finishedBefore: millis(5_000_000)))
        #expect(rest.runs.map(\.id) == ["old-ok"])
        #expect(try store.listRuns().map(\.id).sorted() == ["new-ok", "running"])
        #expect(!FileManager.default.fileExists(atPath: store.directory + "/attempts/old-ok"))
    }

    @Test func aFolderLeftByAnInterruptedDeletionIsRemovedByTheNextPrune() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        try seed(store, "kept", finished: millis(9_000_000))
        // As if a deletion committed its rows and stopped before removing the files.
        let orphan = store.directory + "/attempts/crashed/fit/1"
        try FileManager.default.createDirectory(atPath: orphan, withIntermediateDirectories: true)
        try Data(repeating: 1, count: 5000).write(to: URL(fileURLWithPath: orphan + "/stderr.log"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: store.directory + "/drivers/crashed.log"))

        let report = try store.prune(PruneFilter(finishedBefore: millis(1000)))

        #expect(report.runs.isEmpty)
        #expect(report.leftovers == [store.directory + "/attempts/crashed", store.directory + "/drivers/crashed.log"])
        #expect(report.bytesFreed >= 5000)
        #expect(!FileManager.default.fileExists(atPath: store.directory + "/attempts/crashed"))
        #expect(FileManager.default.fileExists(atPath: store.directory + "/attempts/kept"))
    }

    @Test func aRunWhoseIdPredatesTheRuleKeepsItsFolderUntilItIsDeleted() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        try store.createRun(newRun("Old Id!"))
        try store.commit(StepCommit(runID: "Old Id!", run: RunUpdate(state: .failed, finished: millis(5000))))
        // Backends name the folder of such a run with escapes.
        let folder = store.directory + "/attempts/Old%20Id%21"
        try FileManager.default.createDirectory(atPath: folder + "/fit/1", withIntermediateDirectories: true)

        let report = try store.prune(PruneFilter(finishedBefore: millis(1000)))
        #expect(report.leftovers.isEmpty, "its folder is not taken for a leftover")
        #expect(FileManager.default.fileExists(atPath: folder))

        #expect(try store.deleteRun("Old Id!").id == "Old Id!")
        #expect(!FileManager.default.fileExists(atPath: folder))
    }
}
