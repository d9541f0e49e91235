import Foundation
import Testing
@testable import SluiceStore

@Suite struct CacheTests {
    @Test func aReservationIsExclusiveUntilTheResultIsWritten() throws {
        let scratch = ScratchDirectory()
        let a = try scratch.openStore()
        let b = try scratch.openStore()
        defer { a.close(); b.close() }
        try a.createRun(newRun("r1"))
        try a.createRun(newRun("r2"))
        let first = CacheOwner(runID: "r1", nodeID: "train")
        let second = CacheOwner(runID: "r2", nodeID: "train")

        #expect(try a.reserveCache(key: "v1:abc", owner: first))
        #expect(try !b.reserveCache(key: "v1:abc", owner: second))
        #expect(try a.reserveCache(key: "v1:abc", owner: first))  // re-entrant for the holder
        #expect(try b.cacheReservation(key: "v1:abc")?.owner == first)
        #expect(try b.cachedOutputs(key: "v1:abc") == nil)

        let entry = CacheEntry(key: "v1:abc", taskName: "train", cacheVersion: "1", outputs: json(#"{"loss":0.1}"#),
                               runID: "r1", nodeID: "train", created: millis(5_000))
        try a.commit(StepCommit(runID: "r1", nodes: [NodeUpdate(nodeID: "train", state: "succeeded", data: json("{}"))], cachePuts: [entry]))
        #expect(try b.cachedOutputs(key: "v1:abc") == entry)
        #expect(try b.cacheReservation(key: "v1:abc") == nil)
        #expect(try b.reserveCache(key: "v1:abc", owner: second))
    }

    @Test func aFailedOwnerReleasesItsReservation() throws {
        let scratch = ScratchDirectory()
        let store = try scratch.openStore()
        defer { store.close() }
        try store.createRun(newRun("r1"))
        let owner = CacheOwner(runID: "r1", nodeID: "fit[0]")
        let other = CacheOwner(runID: "r1", nodeID: "fit[1]")
        #expect(try store.reserveCache(key: "k1", owner: owner))
        #expect(try store.reserveCache(key: "k2", owner: owner))
        #expect(try store.reserveCache(key: "k3", owner: other))

        #expect(try !store.releaseCache(key: "k1", owner: other))  // only the holder can release
        try store.commit(StepCommit(runID: "r1", cacheReleases: [CacheRelease(key: "k1", owner: owner)]))
        #expect(try store.reserveCache(key: "k1", owner: other))
        #expect(try store.releaseCache(key: "k1", owner: other))
        #expect(try store.releaseCacheReservations(runID: "r1") == 2)
        #expect(try store.cacheReservation(key: "k2") == nil)
    }
}
