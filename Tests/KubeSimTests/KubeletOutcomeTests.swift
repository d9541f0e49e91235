import Foundation
import SluiceKube
import Testing
@testable import KubeSim

/// Outcomes the kubelet and scheduler derive from the spec (no annotations), against a real store and
/// explicit times. Expected reasons and messages are the real components': scheduler FitError
/// (pkg/scheduler/framework/types.go), image errors (pkg/kubelet/images/types.go: ErrImagePull,
/// ImagePullBackOff, InvalidImageName; image_manager.go events Pulling/Failed/BackOff/InspectFailed),
/// CreateContainerConfigError (pkg/kubelet/kuberuntime/kuberuntime_container.go), FailedMount
/// (pkg/volume/util/operationexecutor), CrashLoopBackOff (kuberuntime_manager.go doBackOff).
struct KubeletOutcomeTests {
    typealias F = KubeletFixtures

    static func at(_ seconds: Double) -> Date { F.t0.addingTimeInterval(seconds) }

    static func pod(_ store: ObjectStore, _ name: String = "job-1") -> JSONObject? {
        store.get(.pods, namespace: "default", name: name)?.object
    }

    static func events(_ store: ObjectStore, about name: String = "job-1") -> [(reason: String, message: String)] {
        store.list(.events, namespace: "default").items
            .sorted { $0.resourceVersion < $1.resourceVersion }
            .filter { $0.object["involvedObject"]?["name"]?.stringValue == name }
            .map { ($0.object["reason"]?.stringValue ?? "", $0.object["message"]?.stringValue ?? "") }
    }

    static func container(_ pod: JSONObject?) -> JSONValue? { pod?["status"]?["containerStatuses"]?[0] }

    static func condition(_ pod: JSONObject?, _ type: String) -> JSONValue? {
        pod?["status"]?["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }
    }

    static func container(_ image: String, _ extra: JSONObject = [:]) -> [JSONValue] {
        var c: JSONObject = ["name": "main", "image": .string(image)]
        for (k, v) in extra { c[k] = v }
        return [.object(c)]
    }

    @Test func unschedulablePodWaitsWithFailedSchedulingAndStartsWhenRoomFrees() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        var big = F.pod("big", restartPolicy: "Always", containers: Self.container("busybox", ["resources": ["requests": ["cpu": "3"]]]))
        try store.create(.pods, namespace: "default", big)
        await kubelet.reconcileAll(now: F.t0)
        big = try #require(Self.pod(store, "big"))
        #expect(big["spec"]?["nodeName"] == "kubesim-node-1")

        try store.create(.pods, namespace: "default", F.pod(containers: Self.container("busybox", ["resources": ["requests": ["cpu": "2"]]])))
        await kubelet.reconcileAll(now: Self.at(1))
        let message = "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
            + "1 No preemption victims found for incoming pod."
        var pod = Self.pod(store)
        #expect(pod?["spec"]?["nodeName"] == nil)
        #expect(Self.condition(pod, "PodScheduled")?["reason"] == "Unschedulable")
        #expect(Self.condition(pod, "PodScheduled")?["message"]?.stringValue == message)
        #expect(Self.events(store).map(\.reason) == ["FailedScheduling"])
        #expect(Self.events(store).first?.message == message)

        // Retrying without a change says nothing new.
        await kubelet.reconcileAll(now: Self.at(2))
        #expect(Self.events(store).count == 1)

        _ = try store.delete(.pods, namespace: "default", name: "big", options: DeleteOptions(gracePeriodSeconds: 0))
        await kubelet.reconcileAll(now: Self.at(3))
        pod = Self.pod(store)
        #expect(pod?["spec"]?["nodeName"] == "kubesim-node-1")
        #expect(Self.events(store).map(\.reason).prefix(2) == ["FailedScheduling", "Scheduled"])
    }

    @Test func nodesAreRegisteredAndAGPUPodLandsOnTheGPUNode() async throws {
        let store = ObjectStore()
        let gpu = try NodeConfig.parse(flag: "gpu-1,nvidia.com/gpu=2,taint:nvidia.com/gpu=present:NoSchedule", index: 1)
        let kubelet = Kubelet(store: store, options: Kubelet.Options(nodes: [SimulatedNode(), gpu]))
        #expect(store.list(.nodes, namespace: nil).items.map(\.name).sorted() == ["gpu-1", "kubesim-node-1"])
        let asks = Self.container("busybox", ["resources": ["limits": ["nvidia.com/gpu": "1"]]])
        var tolerating = F.pod("trainer", containers: asks)
        tolerating["spec"]?["tolerations"] = [["key": "nvidia.com/gpu", "operator": "Exists"]]
        try store.create(.pods, namespace: "default", tolerating)
        try store.create(.pods, namespace: "default", F.pod("untolerated", containers: asks))
        await kubelet.reconcileAll(now: F.t0)
        #expect(Self.pod(store, "trainer")?["spec"]?["nodeName"] == "gpu-1")
        #expect(Self.pod(store, "trainer")?["status"]?["hostIP"] == "172.18.0.3")
        #expect(Self.condition(Self.pod(store, "untolerated"), "PodScheduled")?["message"]?.stringValue
            == "0/2 nodes are available: 1 Insufficient nvidia.com/gpu, 1 node(s) had untolerated taint {nvidia.com/gpu: present}. "
            + "preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.")
        // A kubelet event names the node that ran the pod.
        await kubelet.reconcileAll(now: Self.at(0.1))
        let pulled = store.list(.events, namespace: "default").items.first {
            $0.object["involvedObject"]?["name"] == "trainer" && $0.object["source"]?["component"] == "kubelet"
        }
        #expect(pulled?.object["source"]?["host"] == "gpu-1")
    }

    @Test func gatedPodWaitsSchedulingGatedUntilItsGatesAreRemoved() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        var gated = F.pod()
        gated["spec"]?["schedulingGates"] = [["name": "example.com/quota"]]
        try store.create(.pods, namespace: "default", gated)
        await kubelet.reconcileAll(now: F.t0)
        var pod = Self.pod(store)
        // pkg/registry/core/pod/strategy.go applySchedulingGatedCondition.
        #expect(Self.condition(pod, "PodScheduled")?["reason"] == "SchedulingGated")
        #expect(Self.condition(pod, "PodScheduled")?["message"] == "Scheduling is blocked due to non-empty scheduling gates")
        #expect(pod?["spec"]?["nodeName"] == nil)
        #expect(Self.events(store).isEmpty)
        // Adding a gate is refused; removing them releases the pod.
        #expect(throws: SimStatusError.self) {
            try store.modify(.pods, namespace: "default", name: "job-1") { $0["spec"]?["schedulingGates"] = [["name": "a"], ["name": "b"]] }
        }
        try store.modify(.pods, namespace: "default", name: "job-1") { $0["spec"]?["schedulingGates"] = [] }
        await kubelet.reconcileAll(now: Self.at(1))
        pod = Self.pod(store)
        #expect(pod?["spec"]?["nodeName"] == "kubesim-node-1")
        #expect(Self.condition(pod, "PodScheduled")?["status"] == "True")
    }

    @Test func unknownImageFailsToPullAndBacksOffTenTwentyFortySeconds() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        try store.create(.pods, namespace: "default", F.pod(containers: Self.container("registry.example.com/nope:1")))
        await kubelet.reconcileAll(now: F.t0)
        await kubelet.reconcileAll(now: Self.at(0.05))
        var waiting = Self.container(Self.pod(store))?["state"]?["waiting"]
        #expect(waiting?["reason"] == "ErrImagePull")
        let pullError = "failed to pull and unpack image \"registry.example.com/nope:1\": failed to resolve reference "
            + "\"registry.example.com/nope:1\": pull access denied, repository does not exist or may require authorization: "
            + "server message: insufficient_scope: authorization failed"
        #expect(waiting?["message"]?.stringValue == pullError)
        #expect(Self.events(store).map(\.reason) == ["Scheduled", "Pulling", "Failed", "Failed"])
        #expect(Self.events(store).last?.message == "Error: ErrImagePull")

        await kubelet.reconcileAll(now: Self.at(2))
        waiting = Self.container(Self.pod(store))?["state"]?["waiting"]
        #expect(waiting?["reason"] == "ImagePullBackOff")
        #expect(Self.events(store).suffix(2).map(\.message) == ["Back-off pulling image \"registry.example.com/nope:1\"", "Error: ImagePullBackOff"])

        // Attempts at 0, +10 s, +30 s, +70 s: count the Pulling events.
        for (time, pulls) in [(9.0, 1), (10.1, 2), (29.0, 2), (30.1, 3), (69.0, 3), (70.1, 4)] {
            await kubelet.reconcileAll(now: Self.at(time))
            #expect(Self.events(store).filter { $0.reason == "Pulling" }.count == pulls, "at \(time) s")
        }
        #expect(Self.pod(store)?["status"]?["phase"] == "Pending")
    }

    @Test func fixingTheImageOfAPodInImagePullBackOffStartsIt() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        try store.create(.pods, namespace: "default", F.pod(containers: Self.container("registry.example.com/nope:1")))
        await F.advance(kubelet, to: 3)
        #expect(Self.container(Self.pod(store))?["state"]?["waiting"]?["reason"] == "ImagePullBackOff")
        try store.modify(.pods, namespace: "default", name: "job-1") { $0["spec"]?["containers"] = .array(Self.container("busybox:1.36")) }
        await kubelet.reconcileAll(now: Self.at(4))
        let pod = Self.pod(store)
        #expect(pod?["status"]?["phase"] == "Running")
        #expect(Self.container(pod)?["image"] == "docker.io/library/busybox:1.36")
        #expect(Self.events(store).suffix(4).map(\.reason) == ["Pulling", "Pulled", "Created", "Started"])
    }

    @Test func malformedImageIsInvalidImageName() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        try store.create(.pods, namespace: "default", F.pod(containers: Self.container("Busybox:1.36")))
        await F.advance(kubelet)
        let waiting = Self.container(Self.pod(store))?["state"]?["waiting"]
        #expect(waiting?["reason"] == "InvalidImageName")
        let message = "Failed to apply default image tag \"Busybox:1.36\": couldn't parse image reference \"Busybox:1.36\": "
            + "invalid reference format: repository name must be lowercase"
        #expect(waiting?["message"]?.stringValue == message)
        #expect(Self.events(store).map(\.reason) == ["Scheduled", "InspectFailed", "Failed"])
        #expect(Self.events(store).last?.message == "Error: InvalidImageName")
    }

    @Test func missingConfigMapInEnvIsCreateContainerConfigErrorUntilCreated() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        let env: JSONObject = ["env": [["name": "MODE", "valueFrom": ["configMapKeyRef": ["name": "settings", "key": "mode"]]]]]
        try store.create(.pods, namespace: "default", F.pod(containers: Self.container("busybox", env)))
        await F.advance(kubelet)
        var pod = Self.pod(store)
        #expect(pod?["status"]?["phase"] == "Pending")
        #expect(Self.container(pod)?["state"]?["waiting"]?["reason"] == "CreateContainerConfigError")
        #expect(Self.container(pod)?["state"]?["waiting"]?["message"] == "configmap \"settings\" not found")
        #expect(Self.events(store).map(\.reason) == ["Scheduled", "Pulling", "Pulled", "Failed"])
        #expect(Self.events(store).last?.message == "Error: configmap \"settings\" not found")

        // A ConfigMap without the key: the kubelet names the key.
        try store.create(.configMaps, namespace: "default", ["metadata": ["name": "settings"], "data": ["other": "x"]])
        await kubelet.reconcileAll(now: Self.at(11.5))
        pod = Self.pod(store)
        #expect(Self.container(pod)?["state"]?["waiting"]?["message"] == "couldn't find key mode in ConfigMap default/settings")

        try store.modify(.configMaps, namespace: "default", name: "settings") { $0["data"] = ["mode": "fast"] }
        await kubelet.reconcileAll(now: Self.at(12))
        pod = Self.pod(store)
        #expect(pod?["status"]?["phase"] == "Running")
        #expect(Self.events(store).suffix(2).map(\.reason) == ["Created", "Started"])
        #expect(!Self.events(store).dropFirst(3).contains { $0.reason == "Pulled" })
        await kubelet.reconcileAll(now: Self.at(13))
        #expect(Self.pod(store)?["status"]?["phase"] == "Succeeded")
    }

    @Test func missingSecretVolumeIsFailedMountAndContainerCreatingUntilCreated() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        var pod = F.pod()
        pod["spec"]?["volumes"] = [["name": "creds", "secret": ["secretName": "db-creds"]]]
        try store.create(.pods, namespace: "default", pod)
        await F.advance(kubelet)
        var stored = Self.pod(store)
        #expect(Self.container(stored)?["state"]?["waiting"]?["reason"] == "ContainerCreating")
        #expect(Self.events(store).map(\.reason) == ["Scheduled", "FailedMount"])
        #expect(Self.events(store).last?.message == "MountVolume.SetUp failed for volume \"creds\" : secret \"db-creds\" not found")
        // The kubelet retries and reports again.
        await kubelet.reconcileAll(now: Self.at(11.5))
        #expect(Self.events(store).filter { $0.reason == "FailedMount" }.count == 2)

        try store.create(.secrets, namespace: "default", ["metadata": ["name": "db-creds"], "data": ["password": "cGFzcw=="]])
        await kubelet.reconcileAll(now: Self.at(12))
        stored = Self.pod(store)
        #expect(stored?["status"]?["phase"] == "Running")
        #expect(Self.events(store).suffix(4).map(\.reason) == ["Pulling", "Pulled", "Created", "Started"])
    }

    @Test func optionalReferencesMayBeMissing() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        var pod = F.pod(containers: Self.container("busybox", ["envFrom": [["configMapRef": ["name": "none", "optional": true]]]]))
        pod["spec"]?["volumes"] = [["name": "v", "configMap": ["name": "none", "optional": true]]]
        try store.create(.pods, namespace: "default", pod)
        await F.advance(kubelet, to: 0.1)
        #expect(Self.pod(store)?["status"]?["phase"] == "Running")
    }

    @Test func crashingContainerRestartsThenCrashLoopsWithDoublingBackOff() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        try store.create(.pods, namespace: "default", F.pod(restartPolicy: "Always", annotations: ["exit-code": "3", "run-duration": "1s"]))
        // Start at 0.05 s, exit at 1.05 s and restart at once, exit again at 2.05 s: back-off 10 s.
        await kubelet.reconcileAll(now: F.t0)
        await kubelet.reconcileAll(now: Self.at(1.5))
        var status = Self.container(Self.pod(store))
        #expect(status?["restartCount"] == 1)
        #expect(status?["state"]?["running"] != nil)
        #expect(status?["lastState"]?["terminated"]?["exitCode"] == 3)

        await kubelet.reconcileAll(now: Self.at(3))
        let uid = try #require(Self.pod(store)?["metadata"]?["uid"]?.stringValue)
        status = Self.container(Self.pod(store))
        #expect(status?["state"]?["waiting"]?["reason"] == "CrashLoopBackOff")
        #expect(status?["state"]?["waiting"]?["message"]?.stringValue == "back-off 10s restarting failed container=main pod=job-1_default(\(uid))")
        #expect(Self.pod(store)?["status"]?["phase"] == "Running")
        #expect(Self.condition(Self.pod(store), "Ready")?["status"] == "False")
        #expect(Self.events(store).last?.message == "Back-off restarting failed container main in pod job-1_default(\(uid))")

        // Restart 2 at 12.05 s, exit at 13.05 s, back-off 20 s; restart 3 at 33.05 s.
        await kubelet.reconcileAll(now: Self.at(12.5))
        #expect(Self.container(Self.pod(store))?["restartCount"] == 2)
        await kubelet.reconcileAll(now: Self.at(20))
        #expect(Self.container(Self.pod(store))?["state"]?["waiting"]?["message"]?.stringValue == "back-off 20s restarting failed container=main pod=job-1_default(\(uid))")
        await kubelet.reconcileAll(now: Self.at(33.5))
        #expect(Self.container(Self.pod(store))?["restartCount"] == 3)
        #expect(Self.events(store).filter { $0.reason == "Started" }.count == 4)
    }

    @Test func backOffIsCappedAtTheMaximum() {
        var lifecycle = F.lifecycle(F.pod(restartPolicy: "OnFailure", annotations: ["exit-code": "1", "run-duration": "0ms"]))
        lifecycle.backoff = KubeletBackoff(initial: .seconds(10), maximum: .seconds(40))
        let messages = lifecycle.stages(until: Self.at(300)).compactMap {
            F.container($0)?["state"]?["waiting"]?["message"]?.stringValue?.split(separator: " ").dropFirst().first
        }
        #expect(Array(messages.prefix(5)) == ["10s", "20s", "40s", "40s", "40s"])
    }

    @Test func onFailureEndsOnSuccessAndRestartsOnFailure() async throws {
        let succeeded = F.lifecycle(F.pod(restartPolicy: "OnFailure")).stages(until: Self.at(60)).last!
        #expect(succeeded.phase == "Succeeded")
        let failing = F.lifecycle(F.pod(restartPolicy: "OnFailure", annotations: ["exit-code": "1"])).stages(until: Self.at(60))
        #expect(failing.last?.phase == "Running")
        #expect(failing.contains { F.container($0)?["state"]?["waiting"]?["reason"] == "CrashLoopBackOff" })
        let never = F.lifecycle(F.pod(restartPolicy: "Never", annotations: ["exit-code": "1"])).stages(until: Self.at(60)).last!
        #expect(never.phase == "Failed")
        #expect(F.container(never)?["restartCount"] == 0)
    }

    @Test func fallbackToLogsOnErrorReportsTheLogTail() {
        let pod = F.pod(annotations: ["exit-code": "2", "log": "loading\nboom: disk full\n"],
                        containers: Self.container("busybox", ["terminationMessagePolicy": "FallbackToLogsOnError"]))
        let ended = F.lifecycle(pod).stages().last!
        #expect(F.container(ended)?["state"]?["terminated"]?["message"] == "loading\nboom: disk full\n")
        let file = F.lifecycle(F.pod(annotations: ["exit-code": "2", "log": "x\n"])).stages().last!
        #expect(F.container(file)?["state"]?["terminated"]?["message"] == nil)
    }

    @Test func activeDeadlinePatchedLaterFailsTheRunningPod() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        try store.create(.pods, namespace: "default", F.pod(restartPolicy: "Always"))
        await F.advance(kubelet, to: 100)
        #expect(Self.pod(store)?["status"]?["phase"] == "Running")
        try store.modify(.pods, namespace: "default", name: "job-1") { $0["spec"]?["activeDeadlineSeconds"] = 5 }
        await kubelet.reconcileAll(now: Self.at(101))
        let pod = Self.pod(store)
        #expect(pod?["status"]?["phase"] == "Failed")
        #expect(pod?["status"]?["reason"] == "DeadlineExceeded")
        #expect(pod?["status"]?["message"] == "Pod was active on the node longer than the specified deadline")
        #expect(Self.events(store).contains { $0.reason == "DeadlineExceeded" })
    }

    @Test func readinessGateHoldsReadyUntilItsConditionIsTrue() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        var pod = F.pod(restartPolicy: "Always")
        pod["spec"]?["readinessGates"] = [["conditionType": "example.com/feature-1"]]
        try store.create(.pods, namespace: "default", pod)
        await F.advance(kubelet)
        var ready = Self.condition(Self.pod(store), "Ready")
        #expect(ready?["status"] == "False")
        #expect(ready?["reason"] == "ReadinessGatesNotReady")
        #expect(ready?["message"] == "corresponding condition of pod readiness gate \"example.com/feature-1\" does not exist.")

        try store.modify(.pods, namespace: "default", name: "job-1", subresource: .status) {
            var conditions = $0["status"]?["conditions"]?.arrayValue ?? []
            conditions.append(["type": "example.com/feature-1", "status": "True", "lastProbeTime": nil, "lastTransitionTime": "2026-11-01T00:00:00Z"])
            $0["status"]?["conditions"] = .array(conditions)
        }
        await kubelet.reconcileAll(now: Self.at(2))
        ready = Self.condition(Self.pod(store), "Ready")
        #expect(ready?["status"] == "True")
        #expect(Self.condition(Self.pod(store), "example.com/feature-1")?["status"] == "True")
    }
}
