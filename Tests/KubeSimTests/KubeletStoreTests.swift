import Foundation
import SluiceKube
import Testing
@testable import KubeSim

/// The kubelet against a real ObjectStore, driven by explicit times (no sleeping).
struct KubeletStoreTests {
    typealias F = KubeletFixtures

    static func pod(_ store: ObjectStore, _ name: String) -> JSONObject? {
        store.get(.pods, namespace: "default", name: name)?.object
    }

    static func events(_ store: ObjectStore, about name: String) -> [String] {
        store.list(.events, namespace: "default").items
            .sorted { $0.resourceVersion < $1.resourceVersion }
            .filter { $0.object["involvedObject"]?["name"]?.stringValue == name }
            .compactMap { $0.object["reason"]?.stringValue }
    }

    @Test func createdPodIsScheduledRunsAndSucceeds() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        try store.create(.pods, namespace: "default", F.pod())
        await kubelet.reconcileAll(now: F.t0)
        var pod = try #require(Self.pod(store, "job-1"))
        #expect(pod["spec"]?["nodeName"] == "kubesim-node-1")
        #expect(pod["status"]?["phase"] == "Pending")
        #expect(pod["status"]?["containerStatuses"]?.arrayValue?.first?["state"]?["waiting"]?["reason"] == "ContainerCreating")

        await kubelet.reconcileAll(now: F.t0.addingTimeInterval(0.05))
        pod = try #require(Self.pod(store, "job-1"))
        #expect(pod["status"]?["phase"] == "Running")
        #expect(pod["status"]?["podIP"] != nil)

        await kubelet.reconcileAll(now: F.t0.addingTimeInterval(0.3))
        pod = try #require(Self.pod(store, "job-1"))
        #expect(pod["status"]?["phase"] == "Succeeded")
        #expect(Self.events(store, about: "job-1") == ["Scheduled", "Pulling", "Pulled", "Created", "Started"])
    }

    @Test func stagesThatFellDueTogetherAreAllApplied() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        try store.create(.pods, namespace: "default", F.pod(annotations: ["exit-code": "2"]))
        await F.advance(kubelet, to: 10)
        let pod = try #require(Self.pod(store, "job-1"))
        #expect(pod["status"]?["phase"] == "Failed")
        #expect(pod["status"]?["containerStatuses"]?.arrayValue?.first?["state"]?["terminated"]?["exitCode"] == 2)
        #expect(Self.events(store, about: "job-1").contains("Started"))
    }

    @Test func deletedRunningPodIsStoppedThenRemoved() async throws {
        let store = ObjectStore(expireTerminatingPods: false)
        let kubelet = Kubelet(store: store)
        try store.create(.pods, namespace: "default", F.pod(restartPolicy: "Always"))
        await F.advance(kubelet)
        let result = try store.delete(.pods, namespace: "default", name: "job-1")
        guard case .pending = result else {
            Issue.record("a running pod deleted with a grace period should stay until the kubelet removes it")
            return
        }
        await kubelet.reconcileAll(now: F.t0.addingTimeInterval(2))
        #expect(Self.pod(store, "job-1") == nil)
        #expect(Self.events(store, about: "job-1").last == "Killing")
        let lastStatus = store.writes().last { $0.verb == "update/status" }?.object.object
        #expect(lastStatus?["status"]?["containerStatuses"]?.arrayValue?.first?["state"]?["terminated"]?["exitCode"] == 143)
    }

    @Test func slowToStopPodStaysTerminatingForItsStopDelay() async throws {
        let store = ObjectStore(expireTerminatingPods: false)
        let kubelet = Kubelet(store: store)
        try store.create(.pods, namespace: "default", F.pod(restartPolicy: "Always", annotations: ["stop-delay": "5s"]))
        await F.advance(kubelet)
        try store.delete(.pods, namespace: "default", name: "job-1", options: DeleteOptions(gracePeriodSeconds: 3))
        await kubelet.reconcileAll(now: F.t0.addingTimeInterval(2))
        #expect(Self.pod(store, "job-1")?["metadata"]?["deletionTimestamp"] != nil)
        #expect(Self.events(store, about: "job-1").last == "Killing")
        await kubelet.reconcileAll(now: F.t0.addingTimeInterval(5.5))
        #expect(Self.pod(store, "job-1") == nil)
        let lastStatus = store.writes().last { $0.verb == "update/status" }?.object.object
        #expect(lastStatus?["status"]?["containerStatuses"]?.arrayValue?.first?["state"]?["terminated"]?["exitCode"] == 137)
    }

    @Test func preemptedPodIsMarkedAndDeletedBySystem() async throws {
        let store = ObjectStore(expireTerminatingPods: false)
        let kubelet = Kubelet(store: store)
        try store.create(.pods, namespace: "default", F.pod(annotations: ["outcome": "Preempted"]))
        await F.advance(kubelet)
        let marked = try #require(Self.pod(store, "job-1"))
        #expect(marked["metadata"]?["deletionTimestamp"] != nil)
        let conditions = marked["status"]?["conditions"]?.arrayValue ?? []
        #expect(conditions.contains { $0["reason"] == "PreemptionByScheduler" })
        await kubelet.reconcileAll(now: F.t0.addingTimeInterval(2))
        #expect(Self.pod(store, "job-1") == nil)
        #expect(Self.events(store, about: "job-1").contains("Preempted"))
    }

    @Test func succeededPodIsGarbageCollectedWithDeleteAfter() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        try store.create(.pods, namespace: "default", F.pod(annotations: ["delete-after": "1s"]))
        await F.advance(kubelet, to: 0.5)
        #expect(Self.pod(store, "job-1")?["status"]?["phase"] == "Succeeded")
        await kubelet.reconcileAll(now: F.t0.addingTimeInterval(1.5))
        #expect(Self.pod(store, "job-1") == nil)
    }

    @Test func podOnALostNodeStaysTerminatingWhenDeletedByAUser() async throws {
        let store = ObjectStore(expireTerminatingPods: false)
        let kubelet = Kubelet(store: store)
        try store.create(.pods, namespace: "default", F.pod(annotations: ["outcome": "NodeLost"]))
        await F.advance(kubelet)
        #expect(Self.pod(store, "job-1")?["status"]?["reason"] == "NodeLost")
        try store.delete(.pods, namespace: "default", name: "job-1")
        await kubelet.reconcileAll(now: F.t0.addingTimeInterval(2))
        #expect(Self.pod(store, "job-1")?["metadata"]?["deletionTimestamp"] != nil)
    }

    @Test func podOnALostNodeIsForceDeletedWithDeleteAfter() async throws {
        let store = ObjectStore(expireTerminatingPods: false)
        let kubelet = Kubelet(store: store)
        try store.create(.pods, namespace: "default", F.pod(annotations: ["outcome": "NodeLost", "delete-after": "1s"]))
        await F.advance(kubelet, to: 5)
        #expect(Self.pod(store, "job-1") == nil)
    }

    @Test func badAnnotationBecomesAWarningEvent() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        try store.create(.pods, namespace: "default", F.pod(annotations: ["outcome": "Exploded"]))
        await kubelet.reconcileAll(now: F.t0)
        #expect(Self.events(store, about: "job-1").first == "KubeSimAnnotation")
    }

    @Test func runLoopDrivesPodsOnTheWallClock() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        let running = Task { try await kubelet.run() }
        defer { running.cancel() }
        try store.create(.pods, namespace: "default", F.pod(annotations: ["start-delay": "20ms", "run-duration": "30ms"]))
        let phase = await KubeletWait.until { Self.pod(store, "job-1")?["status"]?["phase"] == "Succeeded" }
        #expect(phase)
    }
}

/// Waits for a condition in tests that run on the wall clock. The limit only keeps a broken test from
/// hanging; it is no latency bound (a loaded machine may take its time).
enum KubeletWait {
    static func until(seconds: Double = 180, _ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return await condition()
    }
}
