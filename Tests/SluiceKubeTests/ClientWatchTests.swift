import Foundation
import KubeSim
import Testing
@testable import SluiceKube

/// Every way a watch ends, through the reflector into an informer, against KubeSim. A fault rule matches
/// list and watch requests alike (same path), so rules are set before the informer starts and their
/// counts include its first list.
@Suite struct ClientWatchTests {
    static func startInformer(_ client: KubeClient, namespace: String = "default", log: NoteLog,
                              minWatchTimeout: Int = 300, clock: KubeClock = .system) -> (Informer, Task<Void, Never>) {
        let informer = Informer()
        let reflector = Reflector(client: client, type: .pods, namespace: namespace, minWatchTimeout: minWatchTimeout,
                                  initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(100), clock: clock,
                                  note: log.add)
        let task = Task { await informer.run(reflector) }
        return (informer, task)
    }

    @Test func watchDeliversChangesInOrderToHandlers() async throws {
        try await withSim { sim, client in
            let log = NoteLog()
            let seen = Lines()
            let (informer, task) = Self.startInformer(client, log: log)
            defer { task.cancel() }
            informer.addHandler(InformerHandler(
                added: { seen.add("add \(Informer.key($0))") },
                updated: { _, new in seen.add("update \(Informer.key(new)) \(new["metadata"]?["labels"]?["n"]?.stringValue ?? "")") },
                deleted: { seen.add("delete \(Informer.key($0))") }))
            await informer.waitForSync()
            _ = try await client.create(.pods, namespace: "default", podDocument("a"))
            for n in 1...3 { _ = try await client.patch(.pods, namespace: "default", name: "a", ["metadata": ["labels": ["n": .string("\(n)")]]], as: .merge) }
            try await client.delete(.pods, namespace: "default", name: "a", gracePeriodSeconds: 0)
            #expect(await eventually { seen.all.count == 5 })
            #expect(seen.all == ["add default/a", "update default/a 1", "update default/a 2", "update default/a 3", "delete default/a"])
            #expect(informer.count == 0)
        }
    }

    @Test func typedInformerGivesViewsAndHonoursSelectors() async throws {
        try await withSim { _, client in
            let pods = TypedInformer<Pod>()
            let phases = Lines()
            pods.addHandler(added: { phases.add("added \($0.metadata.name ?? "")") },
                            deleted: { phases.add("deleted \($0.metadata.name ?? "")") })
            let task = Task { await pods.run(client: client, namespace: "default", options: ListOptions(labelSelector: "app=web")) }
            defer { task.cancel() }
            await pods.waitForSync()
            _ = try await client.create(.pods, namespace: "default", podDocument("web-1", labels: ["app": "web"]))
            _ = try await client.create(.pods, namespace: "default", podDocument("db-1", labels: ["app": "db"]))
            try await client.delete(.pods, namespace: "default", name: "web-1", gracePeriodSeconds: 0)
            #expect(await eventually { phases.all.count == 2 })
            #expect(phases.all == ["added web-1", "deleted web-1"])
            #expect(pods.list().isEmpty)
        }
    }

    @Test func bookmarksAdvanceTheResourceVersionWithoutChanges() async throws {
        try await withSim { sim, client in
            let log = NoteLog()
            let (informer, task) = Self.startInformer(client, log: log)
            defer { task.cancel() }
            await informer.waitForSync()
            // Writes elsewhere move the global version; only a bookmark can tell this watch about it.
            _ = try await client.create(.pods, namespace: "kube-system", podDocument("elsewhere", namespace: "kube-system"))
            let target = String(sim.store.resourceVersion)
            #expect(await eventually { informer.resourceVersion == target })
            #expect(informer.count == 0)
        }
    }

    @Test func serverClosingTheWatchResumesFromTheLastVersionWithoutRelisting() async throws {
        try await withSim { sim, client in
            try sim.faults.add("GET /api/v1/namespaces/default/pods:close-after=2:count=2")
            let log = NoteLog()
            let (informer, task) = Self.startInformer(client, log: log)
            defer { task.cancel() }
            await informer.waitForSync()
            for i in 0..<5 { _ = try await client.create(.pods, namespace: "default", podDocument("p\(i)")) }
            #expect(await eventually { informer.count == 5 })
            #expect(log.lists == 1)
            #expect(log.closes >= 1)
            #expect(log.watchStarts.count >= 2)
        }
    }

    @Test func expiredVersionGivesErrorEventThenRelist() async throws {
        try await expiredScenario(plain: false)
    }

    @Test func plainHTTP410AlsoRelists() async throws {
        try await expiredScenario(plain: true)
    }

    func expiredScenario(plain: Bool) async throws {
        try await withSim({ o in
            o.watchHistory = 5
            o.watch410 = plain ? .plain : .error
        }) { sim, client in
            // The first watch is dropped after one event; while the reflector backs off (on a clock that
            // moves only when told), twenty writes push its resourceVersion out of the five-event history.
            try sim.faults.add("GET /api/v1/namespaces/default/pods:drop-after=1:count=2")
            let clock = ManualClock()
            let log = NoteLog()
            let (informer, task) = Self.startInformer(client, log: log, clock: clock.kube)
            defer { task.cancel() }
            await informer.waitForSync()
            _ = try await client.create(.pods, namespace: "default", podDocument("first"))
            #expect(await eventually { clock.sleepers == 1 }, "\(log.all)")
            #expect(log.backoffs.count == 1 && log.backoffs[0].contains("watch failed"), "\(log.all)")
            for i in 0..<20 { _ = try sim.store.create(.pods, namespace: "default", podDocument("n\(i)")) }
            clock.advance(by: .milliseconds(100))
            #expect(await eventually { log.lists >= 2 && informer.count == 21 }, "\(log.all)")
            #expect(!log.expiries.isEmpty)
            if !plain { #expect(log.expiries.first?.contains("too old resource version") == true) }
            // A fresh list's version expiring was not followed by another wait.
            #expect(log.backoffs.count == 1)
        }
    }

    @Test func aVersionThatExpiresRightAfterEachListBacksOff() async throws {
        try await withSim { sim, client in
            // Each list passes (a no-op delay rule takes its turn) and each watch after it gets 410 Gone.
            for _ in 0..<3 {
                try sim.faults.add("GET /api/v1/namespaces/default/pods:delay=0:count=1")
                try sim.faults.add("GET /api/v1/namespaces/default/pods:410:count=1")
            }
            let clock = ManualClock(autoAdvance: true)
            let log = NoteLog()
            let (informer, task) = Self.startInformer(client, log: log, clock: clock.kube)
            defer { task.cancel() }
            #expect(await eventually { log.lists >= 4 })
            #expect(log.expiries.count >= 3)
            // The first expiry relists at once; the ones that follow with no event in between wait, each
            // twice as long as the one before (10 ms, then 20 ms, up to 20 % jitter), on the reflector's clock.
            #expect(log.backoffs.filter { $0.contains("expired again") }.count == 2)
            let waits = log.backoffWaits
            #expect(waits.count == 2 && waits[0] >= .milliseconds(10) && waits[0] < .milliseconds(12)
                    && waits[1] >= .milliseconds(20) && waits[1] < .milliseconds(24), "\(waits)")
            _ = try await client.create(.pods, namespace: "default", podDocument("after"))
            #expect(await eventually { informer.count == 1 })
            #expect(clock.slept == waits)
        }
    }

    @Test func aWatchThatEndsAtOnceWithNoEventsBacksOff() async throws {
        try await withSim { sim, client in
            try sim.faults.add("GET /api/v1/namespaces/default/pods:close-after=0:count=4")
            // Time passes only in the reflector's own waits, so each empty watch took no time at all.
            let clock = ManualClock(autoAdvance: true)
            let log = NoteLog()
            let (informer, task) = Self.startInformer(client, log: log, clock: clock.kube)
            defer { task.cancel() }
            await informer.waitForSync()
            #expect(await eventually { log.backoffs.count >= 3 })
            #expect(log.backoffs.allSatisfy { $0.contains("very short watch") })
            _ = try await client.create(.pods, namespace: "default", podDocument("after"))
            #expect(await eventually { informer.count == 1 })
            #expect(clock.slept == log.backoffWaits)
        }
    }

    @Test func aConnectionDroppedMidWatchIsResumed() async throws {
        try await withSim { sim, client in
            try sim.faults.add("GET /api/v1/namespaces/default/pods:drop-after=2:count=2")
            let log = NoteLog()
            let (informer, task) = Self.startInformer(client, log: log)
            defer { task.cancel() }
            await informer.waitForSync()
            for i in 0..<6 { _ = try await client.create(.pods, namespace: "default", podDocument("d\(i)")) }
            #expect(await eventually { informer.count == 6 })
            #expect(log.backoffs.contains { $0.contains("watch failed") })
        }
    }
}

final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) {
        lock.lock()
        lines.append(line)
        lock.unlock()
    }
    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }
}
