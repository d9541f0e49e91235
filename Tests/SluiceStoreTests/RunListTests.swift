import Foundation
import SluiceModel
import Testing
@testable import SluiceStore

@Suite struct RunListTests {
    @Test func pagingReturnsEveryRunExactlyOnceNewestFirst() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        // 53 runs with many ties on the creation time, so the id breaks them.
        var expected: [(Int64, String)] = []
        for index in 0..<53 {
            let created = Int64(1_000 + index / 4)
            let id = String(format: "run-%02d-%@", (index * 37) % 53, index % 2 == 0 ? "x" : "y")
            try store.createRun(newRun(id, created: millis(created)))
            expected.append((created, id))
        }
        expected.sort { ($0.0, $0.1) > ($1.0, $1.1) }

        var seen: [String] = []
        var cursor: RunCursor?
        while true {
            let page = try store.listRuns(limit: 10, before: cursor)
            if page.isEmpty { break }
            #expect(page.count <= 10)
            seen += page.map(\.id)
            cursor = page.last?.cursor
        }
        #expect(seen == expected.map(\.1))
    }

    @Test func runsCanBeFilteredByStateAndFlow() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        try store.createRun(newRun("a", flow: "etl", created: millis(1), state: .succeeded))
        try store.createRun(newRun("b", flow: "train", created: millis(2), state: .failed))
        try store.createRun(newRun("c", flow: "etl", created: millis(3), state: .failed))
        try store.createRun(newRun("d", flow: "etl", created: millis(4), state: .timedOut))
        #expect(try store.listRuns(state: [.failed, .timedOut]).map(\.id) == ["d", "c", "b"])
        #expect(try store.listRuns(state: [.failed], flow: "etl").map(\.id) == ["c"])
        #expect(try store.listRuns(flow: "etl", limit: 2).map(\.id) == ["d", "c"])
        #expect(try store.listRuns(state: []).isEmpty)
        let summary = try #require(try store.listRuns(flow: "train").first)
        #expect(summary.labels == ["team": "ml"] && summary.flowVersion == "1" && summary.created == millis(2))
    }

    @Test func runIDsMatchAPrefixExactly() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        for id in ["ab12", "ab34", "abc", "b1", "a_b", "AB99"] { try store.createRun(newRun(id)) }
        #expect(try store.runIDs(matchingPrefix: "ab") == ["ab12", "ab34", "abc"])
        #expect(try store.runIDs(matchingPrefix: "a_") == ["a_b"])
        #expect(try store.runIDs(matchingPrefix: "zz").isEmpty)
        #expect(try store.runIDs(matchingPrefix: "ab", limit: 1) == ["ab12"])
    }

    @Test func aRetryPointsAtItsParentAndDuplicatesAreRefused() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        try store.createRun(newRun("r1"))
        var retry = newRun("r1-retry")
        retry.parentRunID = "r1"
        try store.createRun(retry)
        #expect(try store.runSummary("r1-retry")?.parentRunID == "r1")
        #expect(throws: StoreError.runExists(runID: "r1", path: store.path)) { try store.createRun(newRun("r1")) }
        var orphan = newRun("r2")
        orphan.parentRunID = "missing"
        #expect(throws: StoreError.noRun(runID: "missing", path: store.path)) { try store.createRun(orphan) }
    }
}
