import Foundation
import Testing
@testable import SluiceStore

@Suite struct EventTests {
    @Test func eventsGetIncreasingSeqsAcrossRunsAndCommits() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        #expect(try store.latestEventSeq() == 0)
        try store.createRun(newRun("a", created: millis(1)).withEvents([NewEvent(kind: "run.created", message: "run a created")]))
        try store.createRun(newRun("b", created: millis(2)))
        var seqs: [Int64] = try store.events(runID: "a").map(\.seq)
        for index in 0..<5 {
            let run = index % 2 == 0 ? "a" : "b"
            let events = (0...index % 3).map { NewEvent(kind: "node.changed", nodeID: "n\($0)", attempt: $0, message: "step \(index)", data: json(#"{"i":\#(index)}"#)) }
            seqs += try store.commit(StepCommit(runID: run, events: events)).eventSeqs
        }
        #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count)
        #expect(try store.latestEventSeq() == seqs.last)

        let all = try store.events(runID: nil)
        #expect(all.map(\.seq) == seqs)
        let ofB = try store.events(runID: "b")
        #expect(ofB.allSatisfy { $0.runID == "b" } && !ofB.isEmpty)
        let page = try store.events(runID: nil, afterSeq: seqs[2], limit: 3)
        #expect(page.map(\.seq) == Array(seqs[3..<6]))
        #expect(all[0].kind == "run.created" && all[0].message == "run a created")
    }

    @Test func eventsCannotBeUpdatedOrDeleted() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        try store.createRun(newRun("a"))
        let seq = try #require(try store.commit(StepCommit(runID: "a", events: [NewEvent(kind: "k", message: "m")])).eventSeqs.first)
        for sql in ["UPDATE events SET message = 'rewritten'", "DELETE FROM events"] {
            let error = #expect(throws: StoreError.self) {
                try store.withConnection { connection throws(StoreError) in try connection.run(sql, []) }
            }
            #expect(error?.description.contains("events are append-only") == true)
        }
        #expect(try store.events(runID: "a").map(\.message) == ["m"])
        #expect(try store.latestEventSeq() == seq)
    }
}

extension NewRun {
    func withEvents(_ events: [NewEvent]) -> NewRun {
        var copy = self
        copy.events = events
        return copy
    }
}
