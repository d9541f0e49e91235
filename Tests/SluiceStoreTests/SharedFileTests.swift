import Foundation
import Testing
@testable import SluiceStore

@Suite struct SharedFileTests {
    @Test func twoStoresOnOneFileSeeEachOthersWrites() throws {
        let scratch = ScratchDirectory()
        let a = try scratch.openStore()
        let b = try scratch.openStore()
        defer { a.close(); b.close() }
        try a.createRun(newRun("r1"))
        #expect(try b.runSummary("r1")?.state == .queued)
        try b.commit(StepCommit(runID: "r1", run: RunUpdate(state: .running),
                                nodes: [NodeUpdate(nodeID: "greet", state: "running", data: json("{}"))]))
        #expect(try a.loadRun("r1")?.nodes.map(\.nodeID) == ["greet"])
        #expect(try a.runSummary("r1")?.state == .running)
    }

    @Test func concurrentCommitsFromTwoStoresAllLand() async throws {
        let scratch = ScratchDirectory()
        let a = try scratch.openStore()
        let b = try scratch.openStore()
        defer { a.close(); b.close() }
        try a.createRun(newRun("ra"))
        try a.createRun(newRun("rb"))
        async let seqsA = Self.commitMany(store: a, runID: "ra", count: 100)
        async let seqsB = Self.commitMany(store: b, runID: "rb", count: 100)
        let all = try await seqsA + seqsB
        #expect(Set(all).count == 200)
        #expect(try a.loadRun("ra")?.run.nodeSeq == 100)
        #expect(try a.loadRun("rb")?.run.nodeSeq == 100)
    }

    private static func commitMany(store: Store, runID: String, count: Int) async throws -> [Int64] {
        var seqs: [Int64] = []
        for index in 0..<count {
            let result = try store.commit(StepCommit(
                runID: runID, nodes: [NodeUpdate(nodeID: "n\(index % 3)", state: "running", data: json("{}"))],
                events: [NewEvent(kind: "tick", message: "\(index)")]))
            seqs += result.eventSeqs
        }
        return seqs
    }
}
