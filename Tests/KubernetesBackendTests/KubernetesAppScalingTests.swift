import Foundation
import KubeSim
import SluiceKube
import SluiceModel
@testable import SluiceRuntime
import SluiceStore
import Synchronization
import Testing

/// A clock only the test moves. `advance` wakes the sleepers it makes due; `begun(_:)` counts sleeps of one length
/// so far, so a test knows a loop went round (or a held request started its grace) before it moves time on.
final class SteppedAppClock: AppClock {
    private struct Sleeper {
        let until: Date
        let resume: CheckedContinuation<Void, any Error>
    }
    private let now0 = Mutex(Date(timeIntervalSince1970: 2_000_000))
    private let sleepers = Mutex<[UUID: Sleeper]>([:])
    private let counts = Mutex<[Double: Int]>([:])

    func now() -> Date { now0.withLock { $0 } }

    func sleep(seconds: Double) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let until = now().addingTimeInterval(seconds)
                sleepers.withLock { $0[id] = Sleeper(until: until, resume: c) }
                // Counted only once registered: a test that saw the count go up and then advances wakes this sleep
                // (counted before, an advance could slip in first and the sleep would miss a whole step).
                counts.withLock { $0[seconds, default: 0] += 1 }
                if Task.isCancelled, let s = sleepers.withLock({ $0.removeValue(forKey: id) }) { s.resume.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            sleepers.withLock { $0.removeValue(forKey: id) }?.resume.resume(throwing: CancellationError())
        }
    }

    func advance(_ seconds: Double) {
        let now = now0.withLock { t in
            t = t.addingTimeInterval(seconds)
            return t
        }
        let due = sleepers.withLock { all in
            let ids = all.filter { $0.value.until <= now }.map(\.key)
            return ids.compactMap { all.removeValue(forKey: $0) }
        }
        for s in due { s.resume.resume() }
    }

    func begun(_ seconds: Double) -> Int { counts.withLock { $0[seconds] ?? 0 } }

    /// Moves one `period` on and returns once the `loops` loops sleeping that long have gone round (each begun its
    /// next sleep; counting fewer would let a test look while a slower loop's turn is still under way).
    func step(_ period: Double = 1, loops: Int = 1) async throws {
        let before = begun(period)
        advance(period)
        let went = await eventually { begun(period) >= before + loops }
        #expect(went, "the scaling loop never went round")
        if !went { throw CancellationError() }
    }
}

/// Autoscaling and scale to zero of apps on KubeSim: the gateway's open requests (counted through the app's route,
/// as the gateway counts them) move the Deployment's `spec.replicas` on a clock the test drives.
@Suite struct KubernetesAppScalingTests {
    /// Whether the apps' server leads, as the test says.
    final class Lead: Sendable {
        private let value = Mutex(true)
        func set(_ v: Bool) { value.withLock { $0 = v } }
        var now: Bool { value.withLock { $0 } }
    }

    struct Scaled {
        let h: KubernetesAppsTests.Harness
        let clock: SteppedAppClock
        let leading: Lead

        static func start() async throws -> Scaled {
            let base = try await KubernetesAppsTests.Harness.start()
            let clock = SteppedAppClock()
            let leading = Lead()
            return Scaled(h: base, clock: clock, leading: leading)
        }

        /// The app backend on the test's clock; it scales while `leading` says so.
        func apps() -> KubernetesApps {
            var pod = KubePodSettings(namespace: h.fixture.namespace)
            pod.storeID = "apps-test"
            var settings = KubernetesApps.Settings(pod: pod)
            settings.clock = clock
            let leading = self.leading
            settings.leads = { leading.now }
            return KubernetesApps(client: h.fixture.client(), settings: settings, store: h.store)
        }

        func deployed(_ name: String) -> Int? {
            h.object(.deployments, name)?["spec"]?["replicas"]?.intValue.map(Int.init)
        }

        func recorded(_ name: String) async throws -> Int? {
            let store = h.store
            return try await onThread { try store.app(name: name)?.replicas }
        }

        /// Writes of app `name`'s Deployment after its create (scales and wakes).
        func deploymentWrites(_ name: String) -> Int {
            h.ourWrites().filter { $0.type.plural == "deployments" && $0.name == name && $0.verb != "create" }.count
        }
    }

    static func app(_ name: String, _ policy: ReplicaPolicy, image: String = "busybox:1.36", grace: DurationValue = .seconds(3600)) -> AppSpec {
        AppSpec(name: name, image: image, command: ["sh", "-c", "exec sleep 600"], port: 8080, replicas: policy, startupGrace: grace)
    }

    @Test func loadAboveTheTargetAddsReplicasUpToMaxAndIdlenessRemovesThemDownToMin() async throws {
        let s = try await Scaled.start()
        defer { Task { await s.h.stop() } }
        let apps = s.apps()
        _ = try await apps.deploy([Self.app("busy", ReplicaPolicy(min: 1, max: 3, targetConcurrency: 2))])
        #expect(try await eventually { try await apps.view("busy").state == "healthy" })
        // The route's upstreams come from the pod informer, which may see the ready pod after the view does.
        #expect(await eventually { apps.routing("busy")?.upstreams().isEmpty == false })
        let upstream = try #require(apps.routing("busy")?.upstreams().first)
        // The loop's first sleep has begun.
        #expect(await eventually { s.clock.begun(1) > 0 })

        upstream.track(5)  // 5 open on one replica: above the target of 2
        for _ in 0..<10 { try await s.clock.step() }
        #expect(s.deployed("busy") == 1, "above target for 9 s of samples: not yet")
        try await s.clock.step()
        #expect(s.deployed("busy") == 2, "above target for 10 s")
        let view = try await apps.view("busy")
        #expect(try await s.recorded("busy") == 2 && view.replicas == 2)
        for _ in 0..<10 { try await s.clock.step() }
        #expect(s.deployed("busy") == 2, "2.5 per replica for 9 s")
        try await s.clock.step()
        #expect(s.deployed("busy") == 3)
        for _ in 0..<30 { try await s.clock.step() }
        #expect(s.deployed("busy") == 3, "max is 3")

        upstream.track(-5)  // the load ends
        for _ in 0..<60 { try await s.clock.step() }
        #expect(s.deployed("busy") == 3, "below half the target for 59 s")
        try await s.clock.step()
        #expect(s.deployed("busy") == 2)
        for _ in 0..<150 { try await s.clock.step() }
        #expect(s.deployed("busy") == 1, "min is 1")
        #expect(try await s.recorded("busy") == 1)
        #expect(s.deploymentWrites("busy") == 4, "2, 3, 2, 1")

        // A restarted server reconciles to the recorded count: it does not undo the scaling.
        let writes = s.h.ourWrites().count
        let second = s.apps()
        try await second.restore()
        #expect(s.h.ourWrites().count == writes)
        await second.shutdown()
        await apps.shutdown()
        await s.h.stop()
    }

    @Test func onlyTheLeaderScales() async throws {
        let s = try await Scaled.start()
        defer { Task { await s.h.stop() } }
        s.leading.set(false)
        let apps = s.apps()
        _ = try await apps.deploy([Self.app("busy", ReplicaPolicy(min: 1, max: 2, targetConcurrency: 1)),
                                   Self.app("lazy", ReplicaPolicy(min: 0, max: 1))])
        #expect(try await eventually { try await apps.view("busy").state == "healthy" })
        // The route's upstreams come from the pod informer, which may see the ready pod after the view does.
        #expect(await eventually { apps.routing("busy")?.upstreams().isEmpty == false })
        let upstream = try #require(apps.routing("busy")?.upstreams().first)
        // Two loops sleep 1 s here (busy's, and lazy's, which scales to zero): each step waits for both.
        #expect(await eventually { s.clock.begun(1) > 0 })
        upstream.track(3)
        for _ in 0..<30 { try await s.clock.step(loops: 2) }
        #expect(s.deployed("busy") == 1 && s.deploymentWrites("busy") == 0, "a standby does not scale")
        // A standby's gateway does not wake an app at zero either: no replica is written.
        #expect(apps.routing("lazy")?.wake() == false)

        s.leading.set(true)
        for _ in 0..<10 { try await s.clock.step(loops: 2) }
        #expect(s.deployed("busy") == 1, "the load the standby saw does not count: the window starts at the lead")
        try await s.clock.step(loops: 2)
        #expect(s.deployed("busy") == 2)
        await apps.shutdown()
        await s.h.stop()
    }

    @Test func anAppThatScalesToZeroGoesToZeroWhenIdleAndConcurrentFirstRequestsShareOneWake() async throws {
        let s = try await Scaled.start()
        defer { Task { await s.h.stop() } }
        let apps = s.apps()
        _ = try await apps.deploy([Self.app("lazy", ReplicaPolicy(min: 0, max: 2))])
        #expect(s.deployed("lazy") == 0)
        #expect(try await apps.view("lazy").state == "idle")
        let route = try #require(apps.routing("lazy"))
        #expect(route.upstreams().isEmpty)

        // Three first requests at once: one write of one replica; each is held until its pod is ready.
        let answered = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    let woken = route.wake()
                    #expect(woken)
                    return woken ? try await route.awaitUpstreams().count : 0
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(answered == [1, 1, 1])
        #expect(s.deployed("lazy") == 1 && s.deploymentWrites("lazy") == 1)
        #expect(try await s.recorded("lazy") == 1)
        #expect(try await apps.view("lazy").state == "healthy")

        // Idle from the moment the held requests went on: 60 s later the Deployment goes back to zero.
        #expect(await eventually { s.clock.begun(1) > 0 })
        for _ in 0..<59 { try await s.clock.step() }
        #expect(s.deployed("lazy") == 1, "idle for 59 s")
        try await s.clock.step()
        #expect(s.deployed("lazy") == 0)
        #expect(try await s.recorded("lazy") == 0)
        #expect(try await eventually { try await apps.view("lazy").state == "idle" })
        await apps.shutdown()
        await s.h.stop()
    }

    @Test func aScaleByHandOnAnAutoscaledAppIsRecordedAndTheAutoscalerCarriesOnFromIt() async throws {
        let s = try await Scaled.start()
        defer { Task { await s.h.stop() } }
        let apps = s.apps()
        _ = try await apps.deploy([Self.app("busy", ReplicaPolicy(min: 1, max: 4, targetConcurrency: 2))])
        #expect(await eventually { s.clock.begun(1) > 0 })
        _ = try await apps.scale("busy", replicas: 3)
        let recorded = try await s.recorded("busy")
        #expect(s.deployed("busy") == 3 && recorded == 3)
        // No load: below half the target for 60 s removes one, from 3.
        for _ in 0..<61 { try await s.clock.step() }
        #expect(s.deployed("busy") == 2)
        await #expect(throws: AppRuntimeError.self) { try await apps.scale("busy", replicas: 5) }
        await apps.shutdown()
        await s.h.stop()
    }
}
