import Foundation
import KubeSim
import Testing
@testable import SluiceKube

/// Three candidates on one Lease in KubeSim, with durations scaled down (lease 2 s, renew 1.5 s, retry 0.25 s;
/// the Lease carries whole seconds).
@Suite struct LeaderElectionTests {
    final class Timeline: @unchecked Sendable {
        struct Term { var who: String; var start: ContinuousClock.Instant; var end: ContinuousClock.Instant? }
        private let lock = NSLock()
        private var terms: [Term] = []
        func started(_ who: String) { lock.lock(); terms.append(Term(who: who, start: .now)); lock.unlock() }
        func stopped(_ who: String) {
            lock.lock()
            if let i = terms.lastIndex(where: { $0.who == who && $0.end == nil }) { terms[i].end = .now }
            lock.unlock()
        }
        var all: [Term] { lock.lock(); defer { lock.unlock() }; return terms }
        var current: [String] { all.filter { $0.end == nil }.map(\.who) }
    }

    static func config(_ who: String, release: Bool) -> LeaderElector.Config {
        var c = LeaderElector.Config(namespace: "default", name: "sluice-controller", identity: who)
        c.leaseDuration = .seconds(2)
        c.renewDeadline = .milliseconds(1500)
        c.retryPeriod = .milliseconds(250)
        c.releaseOnCancel = release
        return c
    }

    static func candidates(_ client: KubeClient, timeline: Timeline, release: Bool) throws -> [String: Task<Void, Never>] {
        var tasks: [String: Task<Void, Never>] = [:]
        for who in ["a", "b", "c"] {
            let elector = try LeaderElector(client: client, config: config(who, release: release), callbacks: .init(
                startedLeading: { timeline.started(who) }, stoppedLeading: { timeline.stopped(who) }))
            tasks[who] = Task { await elector.run() }
        }
        return tasks
    }

    /// From the lease as written: a new holder took over only after the old holder's last renewal was a
    /// whole lease duration old, or after the old holder gave the lease up.
    static func checkWriteLog(_ sim: KubeSimServer) {
        var holder = ""
        var lastRenew: Date?
        var duration: Double = 0
        let trail = sim.store.writes().filter { $0.type.plural == "leases" }.map {
            "\($0.resourceVersion) \($0.verb) \($0.object.object["spec"]?.jsonText ?? "")"
        }.joined(separator: "\n")
        for write in sim.store.writes() where write.type.plural == "leases" {
            let spec = write.object.object["spec"]
            let next = spec?["holderIdentity"]?.stringValue ?? ""
            let renew = spec?["renewTime"]?.stringValue.flatMap(RFC3339.parse)
            let acquire = spec?["acquireTime"]?.stringValue.flatMap(RFC3339.parse)
            if !holder.isEmpty, !next.isEmpty, next != holder, let lastRenew, let acquire {
                #expect(acquire.timeIntervalSince(lastRenew) >= duration - 0.001,
                        "\(next) took the lease \(acquire.timeIntervalSince(lastRenew)) s after \(holder)'s last renewal\n\(trail)")
            }
            holder = next
            lastRenew = renew
            duration = Double(spec?["leaseDurationSeconds"]?.intValue ?? 0)
        }
    }

    static func noOverlap(_ timeline: Timeline) {
        let terms = timeline.all.sorted { $0.start < $1.start }
        for (earlier, later) in zip(terms, terms.dropFirst()) {
            #expect(earlier.end != nil && earlier.end! <= later.start, "\(earlier.who) and \(later.who) led at once")
        }
    }

    @Test func killingTheLeaderHandsOverWithinLeaseDurationPlusRetryPeriod() async throws {
        try await withSim { sim, client in
            let timeline = Timeline()
            var tasks = try Self.candidates(client, timeline: timeline, release: false)
            #expect(await eventually { timeline.current.count == 1 })
            let first = timeline.current[0]
            // A crash: the leader stops renewing and does not release.
            tasks[first]?.cancel()
            let killed = ContinuousClock.now
            tasks[first] = nil
            #expect(await eventually { timeline.all.count == 2 && timeline.current.count == 1 })
            let second = timeline.all[1]
            #expect(second.who != first)
            // Lease 2 s + retry 0.25 s (with its 1.2 jitter), plus slack for a machine running every suite
            // in parallel: a bound that still fails an elector that waited, say, two leases.
            #expect(second.start - killed <= .milliseconds(2000 + 300 + 1500))
            // That nobody took over before the lease ran out is checked on the write log below.
            for task in tasks.values { task.cancel() }
            #expect(await eventually { timeline.current.isEmpty })
            Self.noOverlap(timeline)
            Self.checkWriteLog(sim)
            let lease = try await client.get(Lease.self, namespace: "default", name: "sluice-controller")
            #expect(lease.spec.leaseTransitions ?? 0 >= 1)
        }
    }

    @Test func durationsThatCouldOverlapAreRefused() {
        var c = Self.config("x", release: true)
        c.renewDeadline = .seconds(3)
        #expect(throws: LeaderElectionConfigError.self) {
            try LeaderElector(client: KubeClient(server: "http://127.0.0.1:1"), config: c, callbacks: .init(startedLeading: {}))
        }
        var empty = Self.config("", release: true)
        empty.identity = ""
        #expect(throws: LeaderElectionConfigError.self) {
            try LeaderElector(client: KubeClient(server: "http://127.0.0.1:1"), config: empty, callbacks: .init(startedLeading: {}))
        }
    }

    @Test func aLeaderThatStopsReleasesTheLeaseAndAnotherLeadsAtOnce() async throws {
        try await withSim { sim, client in
            let timeline = Timeline()
            var tasks = try Self.candidates(client, timeline: timeline, release: true)
            #expect(await eventually { timeline.current.count == 1 })
            let first = timeline.current[0]
            tasks[first]?.cancel()
            tasks[first] = nil
            #expect(await eventually { timeline.all.count == 2 && timeline.current.count == 1 })
            let released = sim.store.writes().contains {
                $0.type.plural == "leases" && $0.object.object["spec"]?["holderIdentity"] == ""
            }
            #expect(released)
            for task in tasks.values { task.cancel() }
            #expect(await eventually { timeline.current.isEmpty })
            Self.noOverlap(timeline)
            Self.checkWriteLog(sim)
        }
    }
}
