import Foundation
import SluiceModel
import Testing
@testable import SluiceStore

@Suite struct LeaseTests {
    @Test func aLeaseIsExclusiveBetweenTwoStoresUntilItExpires() throws {
        let scratch = ScratchDirectory()
        let a = try scratch.openStore()
        let b = try scratch.openStore()
        defer { a.close(); b.close() }
        try a.createRun(newRun("r1"))
        let now = millis(1_700_000_000_000)

        #expect(try a.claim(runID: "r1", owner: "ctl-a", ttl: .seconds(30), now: now))
        #expect(try !b.claim(runID: "r1", owner: "ctl-b", ttl: .seconds(30), now: now.addingTimeInterval(29)))
        #expect(try a.claim(runID: "r1", owner: "ctl-a", ttl: .seconds(30), now: now.addingTimeInterval(1)))  // already mine
        #expect(try b.lease(runID: "r1") == Lease(runID: "r1", owner: "ctl-a", expires: now.addingTimeInterval(31)))

        // Renewal keeps it; once the owner stops renewing, it expires and b takes it.
        #expect(try a.renew(runID: "r1", owner: "ctl-a", ttl: .seconds(30), now: now.addingTimeInterval(20)))
        #expect(try !b.claim(runID: "r1", owner: "ctl-b", ttl: .seconds(30), now: now.addingTimeInterval(49)))
        #expect(try b.claim(runID: "r1", owner: "ctl-b", ttl: .seconds(30), now: now.addingTimeInterval(50)))
        #expect(try !a.renew(runID: "r1", owner: "ctl-a", ttl: .seconds(30), now: now.addingTimeInterval(51)))
        #expect(try !a.release(runID: "r1", owner: "ctl-a"))
        #expect(try b.release(runID: "r1", owner: "ctl-b"))
        #expect(try a.lease(runID: "r1") == nil)
        #expect(try a.claim(runID: "r1", owner: "ctl-a", ttl: .seconds(30), now: now.addingTimeInterval(52)))
    }

    @Test func concurrentClaimsFromTwoStoresHaveExactlyOneWinner() throws {
        let scratch = ScratchDirectory()
        let a = try scratch.openStore()
        let b = try scratch.openStore()
        defer { a.close(); b.close() }
        let runs = (0..<40).map { "r\($0)" }
        for run in runs { try a.createRun(newRun(run)) }
        let now = Date()
        // Each store on a thread of its own: the store blocks, so it is not called from async code.
        let jobs: [@Sendable () throws -> Set<String>] = [
            { try Self.claimAll(runs, store: a, owner: "a", now: now) },
            { try Self.claimAll(runs, store: b, owner: "b", now: now) },
        ]
        let wins = try OnThreads.run(jobs)
        let (wonByA, wonByB) = (wins[0], wins[1])
        #expect(wonByA.isDisjoint(with: wonByB))
        #expect(wonByA.union(wonByB) == Set(runs))
    }

    private static func claimAll(_ runs: [String], store: Store, owner: String, now: Date) throws -> Set<String> {
        var won: Set<String> = []
        for run in runs where try store.claim(runID: run, owner: owner, ttl: .seconds(60), now: now) {
            won.insert(run)
        }
        return won
    }

    @Test func claimableRunsAreUnfinishedWithNoLiveLease() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        let now = millis(1_700_000_000_000)
        try store.createRun(newRun("queued", created: millis(1)))
        try store.createRun(newRun("held", created: millis(2), state: .running))
        try store.createRun(newRun("expired", created: millis(3), state: .waiting))
        try store.createRun(newRun("done", created: millis(4), state: .succeeded))
        #expect(try store.claim(runID: "held", owner: "x", ttl: .seconds(10), now: now))
        #expect(try store.claim(runID: "expired", owner: "y", ttl: .seconds(10), now: now.addingTimeInterval(-20)))
        #expect(try store.claimableRuns(now: now) == ["queued", "expired"])
        #expect(try store.claimableRuns(now: now.addingTimeInterval(10)) == ["queued", "held", "expired"])
        #expect(throws: StoreError.noRun(runID: "ghost", path: store.path)) {
            try store.claim(runID: "ghost", owner: "x", ttl: .seconds(1), now: now)
        }
    }
}
