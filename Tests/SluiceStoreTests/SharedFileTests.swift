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

    @Test func concurrentCommitsFromTwoStoresAllLand() throws {
        let scratch = ScratchDirectory()
        let a = try scratch.openStore()
        let b = try scratch.openStore()
        defer { a.close(); b.close() }
        try a.createRun(newRun("ra"))
        try a.createRun(newRun("rb"))
        // Two threads of their own (the store blocks; it is not called from async code).
        let jobs: [@Sendable () throws -> [Int64]] = [
            { try Self.commitMany(store: a, runID: "ra", count: 100) },
            { try Self.commitMany(store: b, runID: "rb", count: 100) },
        ]
        let all = try OnThreads.run(jobs).flatMap { $0 }
        #expect(Set(all).count == 200)
        #expect(try a.loadRun("ra")?.run.nodeSeq == 100)
        #expect(try a.loadRun("rb")?.run.nodeSeq == 100)
    }

    private static func commitMany(store: Store, runID: String, count: Int) throws -> [Int64] {
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

/// Runs blocking store calls side by side, each on a thread of its own, and returns their results in order.
enum OnThreads {
    static func run<Value: Sendable>(_ bodies: [@Sendable () throws -> Value]) throws -> [Value] {
        let results = Results<Value>(count: bodies.count)
        let group = DispatchGroup()
        for (i, body) in bodies.enumerated() {
            group.enter()
            Thread {
                results.set(i, Result(catching: body))
                group.leave()
            }.start()
        }
        group.wait()
        return try results.all.map { try $0!.get() }
    }

    private final class Results<Value: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Result<Value, any Error>?]
        init(count: Int) { values = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ r: Result<Value, any Error>) { lock.withLock { values[i] = r } }
        var all: [Result<Value, any Error>?] { lock.withLock { values } }
    }
}
