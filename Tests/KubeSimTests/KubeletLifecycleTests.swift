import Foundation
import SluiceKube
import Testing
@testable import KubeSim

/// The pure stage plans: what a kubelet would write at each step of each outcome.
struct KubeletLifecycleTests {
    typealias F = KubeletFixtures

    @Test func defaultPodGoesPendingRunningSucceededOnTime() {
        let stages = F.lifecycle(F.pod()).stages()
        #expect(stages.map(\.kind) == [.creating, .running, .ended])
        #expect(stages.map(\.phase) == ["Pending", "Running", "Succeeded"])
        #expect(stages[0].at == F.t0)
        #expect(stages[1].at == F.t0.addingTimeInterval(0.05))
        #expect(stages[2].at == F.t0.addingTimeInterval(0.25))
        #expect(stages[0].nodeName == "kubesim-node-1")
        #expect(F.container(stages[0])?["state"]?["waiting"]?["reason"] == "ContainerCreating")
        #expect(F.condition(stages[0], "PodScheduled")?["status"] == "True")
    }

    @Test func runningPodHasAddressesReadinessAndIDs() {
        let running = F.lifecycle(F.pod()).stages()[1]
        #expect(running.status["podIP"] == "10.244.0.7")
        #expect(running.status["hostIP"] == "172.18.0.2")
        #expect(running.status["podIPs"] == [["ip": "10.244.0.7"]])
        #expect(running.status["qosClass"] == "BestEffort")
        #expect(F.condition(running, "Ready")?["status"] == "True")
        #expect(F.condition(running, "ContainersReady")?["status"] == "True")
        let c = F.container(running)
        #expect(c?["ready"] == true)
        #expect(c?["started"] == true)
        #expect(c?["image"] == "docker.io/library/busybox:latest")
        #expect(c?["imageID"]?.stringValue?.hasPrefix("docker.io/library/busybox@sha256:") == true)
        #expect(c?["containerID"]?.stringValue?.hasPrefix("containerd://") == true)
        #expect(c?["state"]?["running"]?["startedAt"] == .string(KubeTime.format(F.t0)))
    }

    @Test func succeededContainerIsTerminatedCompletedWithTimes() {
        let ended = F.lifecycle(F.pod()).stages()[2]
        let terminated = F.container(ended)?["state"]?["terminated"]
        #expect(terminated?["exitCode"] == 0)
        #expect(terminated?["reason"] == "Completed")
        #expect(terminated?["startedAt"] == "2026-11-18T11:06:40Z")
        #expect(terminated?["finishedAt"] == "2026-11-18T11:06:40Z")
        #expect(terminated?["containerID"] == F.container(ended)?["containerID"])
        #expect(F.condition(ended, "Ready")?["reason"] == "PodCompleted")
        #expect(F.container(ended)?["ready"] == false)
    }

    @Test func nonZeroExitCodeFailsThePodWithReasonErrorAndMessage() {
        let pod = F.pod(annotations: ["exit-code": "3", "termination-message": "disk full"])
        let ended = F.lifecycle(pod).stages().last!
        #expect(ended.phase == "Failed")
        let terminated = F.container(ended)?["state"]?["terminated"]
        #expect(terminated?["exitCode"] == 3)
        #expect(terminated?["reason"] == "Error")
        #expect(terminated?["message"] == "disk full")
        #expect(F.condition(ended, "Ready")?["reason"] == "PodFailed")
    }

    @Test func stageDelaysComeFromAnnotations() {
        let pod = F.pod(annotations: ["schedule-delay": "1s", "start-delay": "2s", "run-duration": "1m30s"])
        let stages = F.lifecycle(pod).stages()
        #expect(stages.map(\.kind) == [.accepted, .creating, .running, .ended])
        #expect(stages.map { $0.at.timeIntervalSince(F.t0) } == [0, 1, 3, 93])
        #expect(stages[0].status["phase"] == "Pending")
        #expect(stages[0].nodeName == nil)
    }

    @Test func containerExitCodeAnnotationBeatsThePodWideOne() {
        let two: [JSONValue] = [["name": "main", "image": "busybox"], ["name": "sidecar", "image": "busybox"]]
        let ended = F.lifecycle(F.pod(annotations: ["exit-code.sidecar": "2"], containers: two)).stages().last!
        let codes = ended.status["containerStatuses"]?.arrayValue?.map { $0["state"]?["terminated"]?["exitCode"] }
        #expect(codes == [0, 2])
        #expect(ended.phase == "Failed")
    }

    @Test func oomKilledContainerExits137() {
        let ended = F.lifecycle(F.pod(annotations: ["outcome": "OOMKilled"])).stages().last!
        #expect(ended.phase == "Failed")
        #expect(F.container(ended)?["state"]?["terminated"]?["reason"] == "OOMKilled")
        #expect(F.container(ended)?["state"]?["terminated"]?["exitCode"] == 137)
    }

    @Test func evictedPodFailsWithReasonMessageAndDisruptionTarget() {
        let evicted = F.lifecycle(F.pod(annotations: ["outcome": "evicted"])).stages().last!
        #expect(evicted.kind == .evicted)
        #expect(evicted.phase == "Failed")
        #expect(evicted.status["reason"] == "Evicted")
        #expect(evicted.status["message"]?.stringValue?.hasPrefix("The node was low on resource: memory.") == true)
        #expect(F.condition(evicted, "DisruptionTarget")?["reason"] == "TerminationByKubelet")
        #expect(evicted.events.map(\.reason) == ["Evicted", "Killing"])
    }

    @Test func imagePullFailureGoesErrImagePullThenImagePullBackOffForGood() {
        let stages = F.lifecycle(F.pod(annotations: ["outcome": "ImagePullBackOff"])).stages()
        #expect(stages.prefix(5).map(\.kind) == [.creating, .pullError, .pullBackOff, .pullError, .pullBackOff])
        #expect(Set(stages.map(\.phase)) == ["Pending"])
        #expect(F.container(stages[1])?["state"]?["waiting"]?["reason"] == "ErrImagePull")
        let backOff = F.container(stages[2])?["state"]?["waiting"]
        #expect(backOff?["reason"] == "ImagePullBackOff")
        #expect(backOff?["message"]?.stringValue?.hasPrefix("Back-off pulling image \"busybox\"") == true)
        #expect(stages[2].events.map(\.reason) == ["BackOff", "Failed"])
    }

    @Test func unschedulablePodStaysPendingWithoutNode() {
        let stages = F.lifecycle(F.pod(annotations: ["outcome": "Unschedulable"])).stages()
        #expect(stages.count == 1)
        let scheduled = F.condition(stages[0], "PodScheduled")
        #expect(scheduled?["status"] == "False")
        #expect(scheduled?["reason"] == "Unschedulable")
        #expect(scheduled?["message"]?.stringValue?.hasPrefix("0/1 nodes are available: ") == true)
        #expect(stages[0].nodeName == nil)
        #expect(stages[0].events.first?.reason == "FailedScheduling")
        #expect(stages[0].events.first?.component == "default-scheduler")
    }

    @Test func nodeLostPodIsUnknownAndDeletedWhenAsked() {
        let stages = F.lifecycle(F.pod(annotations: ["outcome": "NodeLost", "delete-after": "1s"])).stages()
        #expect(stages.map(\.kind) == [.creating, .running, .nodeLost, .systemDeleted])
        #expect(stages[2].phase == "Unknown")
        #expect(stages[2].status["reason"] == "NodeLost")
        #expect(F.condition(stages[2], "Ready")?["status"] == "False")
        #expect(stages[3].deletesPod)
        #expect(F.condition(stages[3], "DisruptionTarget")?["reason"] == "DeletionByTaintManager")
    }

    @Test func preemptedPodGetsDisruptionTargetThenIsDeleted() {
        let last = F.lifecycle(F.pod(annotations: ["outcome": "Preempted"])).stages().last!
        #expect(last.kind == .disrupted)
        #expect(last.deletesPod)
        #expect(F.condition(last, "DisruptionTarget")?["reason"] == "PreemptionByScheduler")
        #expect(last.events.first?.reason == "Preempted")
    }

    @Test func alwaysRestartingPodStaysRunningAndCrashLoopsOnExit() {
        #expect(F.lifecycle(F.pod(restartPolicy: "Always")).stages().map(\.kind) == [.creating, .running])
        let failing = F.pod(restartPolicy: "Always", annotations: ["outcome": "Failed"])
        // The first restart is immediate; the second exit waits in CrashLoopBackOff.
        let ended = F.lifecycle(failing).stages().filter { $0.kind == .ended }[1]
        #expect(ended.phase == "Running")
        #expect(F.container(ended)?["state"]?["waiting"]?["reason"] == "CrashLoopBackOff")
        #expect(F.container(ended)?["lastState"]?["terminated"]?["exitCode"] == 1)
        #expect(F.container(ended)?["restartCount"] == 1)
    }

    @Test func activeDeadlineFailsAPodStillRunning() {
        var pod = F.pod(annotations: ["outcome": "Running"])
        pod["spec"]?["activeDeadlineSeconds"] = 2
        let stages = F.lifecycle(pod).stages()
        #expect(stages.map(\.kind) == [.creating, .running, .deadlineExceeded])
        let last = stages[2]
        #expect(last.at == F.t0.addingTimeInterval(2))
        #expect(last.phase == "Failed")
        #expect(last.status["reason"] == "DeadlineExceeded")
        #expect(F.container(last)?["state"]?["terminated"]?["exitCode"] == 137)
        #expect(last.events.map(\.reason) == ["DeadlineExceeded", "Killing"])
    }

    @Test func activeDeadlineLeavesAPodThatEndsInTimeAlone() {
        var pod = F.pod()
        pod["spec"]?["activeDeadlineSeconds"] = 10
        #expect(F.lifecycle(pod).stages().map(\.kind) == [.creating, .running, .ended])
    }

    @Test func initContainersRunWhileCreatingAndCompleteBeforeTheApp() {
        var pod = F.pod()
        pod["spec"]?["initContainers"] = [["name": "fetch", "image": "alpine"]]
        let stages = F.lifecycle(pod).stages()
        let creating = stages[0]
        #expect(creating.status["initContainerStatuses"]?.arrayValue?.first?["state"]?["running"] != nil)
        #expect(F.container(creating)?["state"]?["waiting"]?["reason"] == "PodInitializing")
        #expect(F.condition(creating, "Initialized")?["reason"] == "ContainersNotInitialized")
        let running = stages[1]
        #expect(running.status["initContainerStatuses"]?.arrayValue?.first?["state"]?["terminated"]?["reason"] == "Completed")
        #expect(F.condition(running, "Initialized")?["status"] == "True")
        #expect(Array(running.status.keys.suffix(3)) == ["initContainerStatuses", "containerStatuses", "qosClass"])
    }

    @Test func killedRunningPodReportsSigtermExit() {
        let lifecycle = F.lifecycle(F.pod())
        let running = lifecycle.stages()[1]
        let killed = lifecycle.killed(current: running, at: F.t0.addingTimeInterval(0.1))
        #expect(killed?.phase == "Failed")
        #expect(F.container(killed!)?["state"]?["terminated"]?["exitCode"] == 143)
        #expect(killed?.events.map(\.reason) == ["Killing"])
        #expect(lifecycle.killed(current: lifecycle.stages()[0], at: F.t0) == nil)
    }

    @Test func badAnnotationsAreReportedAndIgnored() {
        var problems: [String] = []
        let script = PodScript(pod: F.pod(annotations: ["outcome": "Exploded", "start-delay": "soon"]), problems: &problems)
        #expect(script.outcome == .succeeded)
        #expect(script.startDelay == .milliseconds(50))
        #expect(problems.count == 2)
    }

    @Test func imagesNamedKubesimPickAnOutcome() {
        var problems: [String] = []
        let pod = F.pod(containers: [["name": "main", "image": "kubesim/fail"]])
        #expect(PodScript(pod: pod, problems: &problems).outcome == .failed)
        #expect(PodScript(pod: pod, problems: &problems).exitCode == 1)
    }

    @Test func durationsParseLikeGo() {
        #expect(PodScript.parseDuration("250ms") == .milliseconds(250))
        #expect(PodScript.parseDuration("1m30s") == .seconds(90))
        #expect(PodScript.parseDuration("1.5s") == .milliseconds(1500))
        #expect(PodScript.parseDuration("75") == .milliseconds(75))
        #expect(PodScript.parseDuration("soon") == nil)
    }

    @Test func podAddressesFillEachSlash24InTurn() {
        let node = SimulatedNode()
        #expect(node.podIP(index: 0) == "10.244.0.2")
        #expect(node.podIP(index: 252) == "10.244.0.254")
        #expect(node.podIP(index: 253) == "10.244.1.2")
    }

    @Test func imageReferencesAreNormalizedLikeARuntime() {
        #expect(ContainerFacts.normalize("busybox") == "docker.io/library/busybox:latest")
        #expect(ContainerFacts.normalize("me/app:1.2") == "docker.io/me/app:1.2")
        #expect(ContainerFacts.normalize("ghcr.io/me/app") == "ghcr.io/me/app:latest")
        #expect(ContainerFacts.normalize("localhost:5000/app:v1") == "localhost:5000/app:v1")
    }
}
