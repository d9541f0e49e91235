import Foundation
import Testing
@testable import SluiceStore

@Suite struct InboxTests {
    @Test func anInboxItemIsConsumedExactlyOnceThroughACommit() throws {
        let scratch = ScratchDirectory()
        let controller = try scratch.openStore()
        let cli = try scratch.openStore()
        defer { controller.close(); cli.close() }
        try controller.createRun(newRun("r1"))

        let approval = try cli.post(InboxMessage(runID: "r1", kind: .approval, target: "review", payload: json("true"), by: "ana", comment: "looks good"))
        let abort = try cli.post(InboxMessage(runID: "r1", kind: .abort, by: "bo"))
        let pending = try controller.pendingInbox(runID: "r1")
        #expect(pending.map(\.id) == [approval, abort])
        #expect(pending[0].message.kind == .approval && pending[0].message.target == "review" && pending[0].message.by == "ana")
        #expect(pending[0].message.comment == "looks good" && pending[0].message.payload == json("true") && pending[0].consumed == nil)

        try controller.commit(StepCommit(runID: "r1", events: [NewEvent(kind: "gate.approved", nodeID: "review", message: "approved by ana")], consumeInbox: [approval]))
        #expect(try controller.pendingInbox(runID: "r1").map(\.id) == [abort])

        // Applying the same item twice is refused, and nothing of that commit lands.
        let seqBefore = try controller.latestEventSeq()
        #expect(throws: StoreError.inboxItemUnavailable(id: approval, runID: "r1", path: controller.path)) {
            try controller.commit(StepCommit(runID: "r1", events: [NewEvent(kind: "gate.approved", message: "again")], consumeInbox: [approval]))
        }
        #expect(try controller.latestEventSeq() == seqBefore)
    }

    @Test func anItemOfAnotherRunCannotBeConsumed() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        try store.createRun(newRun("r1"))
        try store.createRun(newRun("r2"))
        let id = try store.post(InboxMessage(runID: "r2", kind: .resume, by: "ops"))
        #expect(throws: StoreError.inboxItemUnavailable(id: id, runID: "r1", path: store.path)) {
            try store.commit(StepCommit(runID: "r1", consumeInbox: [id]))
        }
        #expect(try store.pendingInbox(runID: "r2").map(\.id) == [id])
        #expect(try store.pendingInbox(runID: "r1").isEmpty)
    }

    @Test func postingToAnUnknownRunNamesIt() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        let error = #expect(throws: StoreError.self) { try store.post(InboxMessage(runID: "abc", kind: .signal, by: "me")) }
        #expect(error?.description == "no run 'abc' in \(store.path)")
    }

    @Test func theChangeTokenMovesWhenAnyConnectionCommits() throws {
        let scratch = ScratchDirectory()
        let controller = try scratch.openStore()
        let cli = try scratch.openStore()
        defer { controller.close(); cli.close() }
        try controller.createRun(newRun("r1"))
        let quiet = try controller.changeToken()
        #expect(try controller.changeToken() == quiet)

        try cli.post(InboxMessage(runID: "r1", kind: .signal, target: "go", by: "cli"))
        let afterOther = try controller.changeToken()
        #expect(afterOther != quiet)
        #expect(try controller.latestInboxID() > 0)

        try controller.post(InboxMessage(runID: "r1", kind: .signal, target: "go", by: "server"))
        #expect(try controller.changeToken() != afterOther)
    }
}
