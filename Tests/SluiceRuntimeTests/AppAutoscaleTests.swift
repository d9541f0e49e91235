import Foundation
import SluiceModel
import SluiceStore
import Synchronization
import Testing
@testable import SluiceRuntime

/// A clock the test moves: sleepers wake when `advance` passes their deadline; `sleeps(of:)` counts the sleeps of
/// one length begun so far, so a test knows a loop went round.
final class ManualAppClock: AppClock {
    private struct Sleeper {
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var now = Date(timeIntervalSince1970: 1_000_000)
        var sleepers: [UUID: Sleeper] = [:]
        var begun: [Double: Int] = [:]
    }
    private let state = Mutex(State())

    func now() -> Date { state.withLock { $0.now } }

    func sleep(seconds: Double) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let cancelled = state.withLock { s in
                    s.begun[seconds, default: 0] += 1
                    if Task.isCancelled { return true }
                    s.sleepers[id] = Sleeper(deadline: s.now.addingTimeInterval(seconds), continuation: continuation)
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            state.withLock { $0.sleepers.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time on and wakes every sleeper due.
    func advance(by seconds: Double) {
        let due = state.withLock { s in
            s.now = s.now.addingTimeInterval(seconds)
            let due = s.sleepers.filter { $0.value.deadline <= s.now }
            for id in due.keys { s.sleepers[id] = nil }
            return due.values.map(\.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    func sleeps(of seconds: Double) -> Int { state.withLock { $0.begun[seconds] ?? 0 } }
}

@Suite struct ConcurrencyScalerTests {
    let t0 = Date(timeIntervalSince1970: 0)

    @Test func addsAReplicaAfterTenSecondsAboveTargetAndNeverBeyondMax() {
        var scaler = ConcurrencyScaler(ReplicaPolicy(min: 1, max: 2, targetConcurrency: 4))!
        #expect(scaler.sample(now: t0, open: 5, replicas: 1) == nil)
        #expect(scaler.sample(now: t0 + 9, open: 9, replicas: 1) == nil)
        #expect(scaler.sample(now: t0 + 10, open: 5, replicas: 1) == 2)
        #expect(scaler.sample(now: t0 + 30, open: 50, replicas: 2) == nil)
        #expect(scaler.sample(now: t0 + 60, open: 50, replicas: 2) == nil, "max is 2")
    }

    @Test func aSampleAtTargetStartsTheWindowAgain() {
        var scaler = ConcurrencyScaler(ReplicaPolicy(min: 1, max: 3, targetConcurrency: 4))!
        #expect(scaler.sample(now: t0, open: 5, replicas: 1) == nil)
        #expect(scaler.sample(now: t0 + 8, open: 4, replicas: 1) == nil, "4 is not above 4")
        #expect(scaler.sample(now: t0 + 12, open: 5, replicas: 1) == nil)
        #expect(scaler.sample(now: t0 + 22, open: 5, replicas: 1) == 2)
    }

    @Test func removesAReplicaAfterSixtySecondsBelowHalfTheTargetAndNeverBelowMin() {
        var scaler = ConcurrencyScaler(ReplicaPolicy(min: 2, max: 4, targetConcurrency: 4))!
        #expect(scaler.sample(now: t0, open: 5, replicas: 3) == nil, "5/3 is below 2")
        #expect(scaler.sample(now: t0 + 59, open: 0, replicas: 3) == nil)
        #expect(scaler.sample(now: t0 + 60, open: 0, replicas: 3) == 2)
        #expect(scaler.sample(now: t0 + 200, open: 0, replicas: 2) == nil, "min is 2")
        // Between half the target and the target nothing changes.
        var steady = ConcurrencyScaler(ReplicaPolicy(min: 1, max: 4, targetConcurrency: 4))!
        #expect(steady.sample(now: t0, open: 6, replicas: 2) == nil)
        #expect(steady.sample(now: t0 + 100, open: 6, replicas: 2) == nil)
    }

    @Test func noTargetOrNoRangeMeansNoScaler() {
        #expect(ConcurrencyScaler(ReplicaPolicy(min: 1, max: 4)) == nil)
        #expect(ConcurrencyScaler(ReplicaPolicy(min: 3, max: 3, targetConcurrency: 2)) == nil)
        // Scale to zero stays the idle reaper's: under load the floor is one replica.
        var lazy = ConcurrencyScaler(ReplicaPolicy(min: 0, max: 2, targetConcurrency: 2))!
        #expect(lazy.sample(now: t0, open: 0, replicas: 1) == nil)
        #expect(lazy.sample(now: t0 + 600, open: 0, replicas: 1) == nil)
        #expect(lazy.sample(now: t0 + 600, open: 9, replicas: 0) == nil)
    }
}

/// The runtime's autoscaler on a clock the test drives; the replicas are real (idle) processes.
@Suite struct AppAutoscaleTests {
    @Test func theRuntimeScalesUpUnderLoadAndBackDownWhenItEnds() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/sluice-autoscale-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = try await onThread { try Store.open(directory: directory) }
        let clock = ManualAppClock()
        var options = AppRuntime.Options()
        options.clock = clock
        options.stopGrace = 1
        let runtime = AppRuntime(store: store, directory: directory + "/apps", options: options)
        // Health checks and the startup grace are far off on this clock: only the autoscaler's sampling runs.
        let spec = AppSpec(name: "busy", command: ["sleep", "600"], replicas: ReplicaPolicy(min: 1, max: 3, targetConcurrency: 2),
                           health: HealthCheck(interval: .seconds(3600)), startupGrace: .seconds(3600))
        _ = try await runtime.deploy([spec])
        let route = try #require(runtime.route("busy"))

        /// One sampling period: time moves one second and the autoscaler samples once.
        func tick() async throws {
            let before = clock.sleeps(of: 1)
            clock.advance(by: 1)
            let deadline = ContinuousClock.now + .seconds(30)
            while clock.sleeps(of: 1) == before {
                #expect(ContinuousClock.now < deadline, "the autoscaler never sampled")
                if ContinuousClock.now >= deadline { throw CancellationError() }
                try await Task.sleep(for: .milliseconds(1))
            }
        }
        func replicas() async throws -> Int { try await runtime.view("busy").replicas }

        // The loop's first sleep has begun.
        let deadline = ContinuousClock.now + .seconds(30)
        while clock.sleeps(of: 1) == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
        route.track(0, 5)  // 5 open on one replica: above the target of 2
        for _ in 0..<10 { try await tick() }
        #expect(try await replicas() == 1, "above target for 9 s of samples: not yet")
        try await tick()
        #expect(try await replicas() == 2, "above target for 10 s")
        for _ in 0..<10 { try await tick() }
        #expect(try await replicas() == 2, "2.5 per replica for 9 s")
        try await tick()
        #expect(try await replicas() == 3)
        for _ in 0..<30 { try await tick() }
        #expect(try await replicas() == 3, "max is 3")
        route.track(0, -5)  // the load ends
        for _ in 0..<60 { try await tick() }
        #expect(try await replicas() == 3, "below half the target for 59 s")
        try await tick()
        #expect(try await replicas() == 2)
        for _ in 0..<200 { try await tick() }
        #expect(try await replicas() == 1, "min is 1")
        await runtime.shutdown()
    }
}
