import Foundation
import KubeSim
import Testing
@testable import SluiceKube

/// Three candidates on one Lease in KubeSim, all on one manual clock (lease 2 s, renew 1.5 s, retry 0.25 s;
/// the Lease carries whole seconds). The test moves the clock in small steps and after each one waits until
/// every candidate is waiting on the clock again, so hand-over times are read on that clock, not measured.
@Suite struct LeaderElectionTests {
    static let step: Duration = .milliseconds(50)

    final class Timeline: @unchecked Sendable {
        struct Term { var who: String; var start: Duration; var end: Duration? }
        private let lock = NSLock()
        private var terms: [Term] = []
        let clock: ManualClock
        init(clock: ManualClock) { self.clock = clock }
        func started(_ who: String) {
            let now = clock.now.offset
            lock.lock(); terms.append(Term(who: who, start: now)); lock.unlock()
        }
        func stopped(_ who: String) {
            let now = clock.now.offset
            lock.lock()
            if let i = terms.lastIndex(where: { $0.who == who && $0.end == nil }) { terms[i].end = now }
            lock.unlock()
        }
        var all: [Term] { lock.lock(); defer { lock.unlock() }; return terms }
        var current: [String] { all.filter { $0.end == nil }.map(\.who) }
    }

    /// Candidates a, b and c, each campaigning in its own task.
    final class Candidates {
        var electors: [String: LeaderElector] = [:]
        var tasks: [String: Task<Void, Never>] = [:]

        func leaders(except who: String) -> [String] {
            electors.filter { $0.key != who && $0.value.isLeader }.map { $0.key }
        }

        func stop(_ who: String) async {
            tasks[who]?.cancel()
            await tasks[who]?.value
            tasks[who] = nil
        }

        func stopAll() async {
            for who in Array(tasks.keys) { await stop(who) }
        }
    }

    static func config(_ who: String, release: Bool) -> LeaderElector.Config {
        var c = LeaderElector.Config(namespace: "default", name: "sluice-controller", identity: who)
        c.leaseDuration = .seconds(2)
        c.renewDeadline = .milliseconds(1500)
        c.retryPeriod = .milliseconds(250)
        c.releaseOnCancel = release
        return c
    }

    static func candidates(_ client: KubeClient, timeline: Timeline, release: Bool) throws -> Candidates {
        let c = Candidates()
        for who in ["a", "b", "c"] {
            let elector = try LeaderElector(client: client, config: config(who, release: release), callbacks: .init(
                startedLeading: { timeline.started(who) }, stoppedLeading: { timeline.stopped(who) }),
                clock: timeline.clock.kube)
            c.electors[who] = elector
            c.tasks[who] = Task { await elector.run() }
        }
        return c
    }

    /// Starts the candidates, lets them finish their first round (one leads, all three wait for the next),
    /// then stops the leader; returns once the other two wait on the clock again.
    static func electThenStopTheLeader(_ client: KubeClient, release: Bool) async throws
        -> (clock: ManualClock, timeline: Timeline, candidates: Candidates, first: String) {
        let clock = ManualClock()
        let timeline = Timeline(clock: clock)
        let candidates = try candidates(client, timeline: timeline, release: release)
        #expect(await eventually { clock.sleepers == 3 && timeline.current.count == 1 })
        let first = try #require(timeline.current.first)
        await candidates.stop(first)
        #expect(timeline.current.isEmpty)
        #expect(await eventually { clock.sleepers == 2 })
        return (clock, timeline, candidates, first)
    }

    /// Stops everyone, then checks that no two terms overlapped, on the timeline and in the lease's writes.
    static func stopAndCheck(_ candidates: Candidates, _ timeline: Timeline, _ sim: KubeSimServer) async {
        await candidates.stopAll()
        #expect(timeline.current.isEmpty)
        noOverlap(timeline)
        checkWriteLog(sim)
    }

    /// Moves the clock a step at a time, letting the `waiting` candidates finish each round, until one of
    /// them other than `former` leads; returns how far the clock moved, or nil after `limit`.
    static func stepUntilTakeover(_ candidates: Candidates, from former: String, waiting: Int, clock: ManualClock,
                                  limit: Duration = .seconds(10)) async -> Duration? {
        let began = clock.now
        while began.duration(to: clock.now) < limit {
            clock.advance(by: step)
            let settled = await eventually { clock.sleepers == waiting }
            guard settled else { return nil }
            if !candidates.leaders(except: former).isEmpty { return began.duration(to: clock.now) }
        }
        return nil
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

    @Test func aCrashedLeaderIsReplacedOnlyAfterItsLeaseRunsOut() async throws {
        try await withSim { sim, client in
            // A crash: the leader stops renewing and does not release.
            let (clock, timeline, candidates, first) = try await Self.electThenStopTheLeader(client, release: false)
            let handover = try #require(await Self.stepUntilTakeover(candidates, from: first, waiting: 2, clock: clock))
            // Not before a whole lease duration since the last renewal anyone saw (at zero: the clock stood
            // still while the first led); and at the latest one retry (with its 1.2 jitter) after that for a
            // candidate that first saw the lease one retry late, plus the step.
            #expect(handover > .seconds(2))
            #expect(handover <= .seconds(2) + .milliseconds(2 * 300) + Self.step)
            #expect(await eventually { timeline.all.count == 2 && timeline.current.count == 1 })
            #expect(timeline.all[1].who != first)
            await Self.stopAndCheck(candidates, timeline, sim)
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
            let (clock, timeline, candidates, first) = try await Self.electThenStopTheLeader(client, release: true)
            let released = sim.store.writes().contains {
                $0.type.plural == "leases" && $0.object.object["spec"]?["holderIdentity"] == ""
            }
            #expect(released)
            // The next retry takes the released lease: nobody waits out the lease duration.
            let handover = try #require(await Self.stepUntilTakeover(candidates, from: first, waiting: 2, clock: clock))
            #expect(handover <= .milliseconds(300) + Self.step)
            #expect(await eventually { timeline.all.count == 2 && timeline.current.count == 1 })
            await Self.stopAndCheck(candidates, timeline, sim)
        }
    }
}
