import Foundation
import SluiceModel
import Testing

@testable import SluiceKube

@Suite struct ObjectPodTests {
    let pod: Pod

    init() throws {
        pod = Pod(document: try ObjectFixture.document(ObjectFixture.runningPod))
    }

    @Test func readsTheSpecOfARunningPod() throws {
        let spec = pod.spec
        #expect(spec.restartPolicy == "Never")
        #expect(spec.nodeName == "node-a3")
        #expect(spec.nodeSelector == ["kubernetes.io/os": "linux"])
        #expect(spec.serviceAccountName == "sluice-runner")
        #expect(spec.activeDeadlineSeconds == 3600)
        let main = try #require(spec.containers.first)
        #expect(spec.containers.count == 1)
        #expect(main.name == "main")
        #expect(main.image == "ghcr.io/acme/train:1.4.2")
        #expect(main.command == ["python", "-m", "train"])
        #expect(main.args == ["--epochs", "3"])
        #expect(main.workingDir == "/work")
        #expect(main.terminationMessagePath == "/dev/termination-log")
        #expect(main.terminationMessagePolicy == "FallbackToLogsOnError")
        #expect(main.env.map(\.name) == ["SLUICE_RUN", "POD_IP"])
        #expect(main.env.map(\.value) == ["7f9c", nil])
    }

    @Test func readsResourcesAsQuantities() throws {
        let resources = try #require(pod.spec.containers.first).resources
        #expect(resources.requests["cpu"] == Quantity(milliValue: 1500))
        #expect(resources.requests["memory"] == Quantity(integer: 3 << 30))
        #expect(resources.requests["nvidia.com/gpu"] == Quantity(integer: 1))
        #expect(resources.limits == ["cpu": Quantity(integer: 2), "memory": Quantity(integer: 4 << 30)])
    }

    @Test func readsTheStatusOfARunningPod() throws {
        let status = pod.status
        #expect(status.phase == .running)
        #expect(status.podIP == "10.244.3.18")
        #expect(status.startTime == .rfc3339("2026-11-25T18:59:58Z"))
        #expect(status.reason == nil)
        #expect(status.conditions.map(\.type) == ["PodReadyToStartContainers", "Initialized", "Ready", "PodScheduled"])
        #expect(status.conditions.allSatisfy { $0.isTrue })
        #expect(status.conditions[2].lastTransitionTime == .rfc3339("2026-11-25T19:00:02Z"))
        let main = try #require(status.containerStatuses.first)
        #expect(main.name == "main")
        #expect(main.ready == true)
        #expect(main.restartCount == 1)
        #expect(main.containerID == "containerd://bb")
        #expect(main.state.running?.startedAt == .rfc3339("2026-11-25T19:00:01Z"))
        #expect(main.state.waiting == nil)
        #expect(main.state.terminated == nil)
        let previous = try #require(main.lastState.terminated)
        #expect(previous.exitCode == 137)
        #expect(previous.signal == 9)
        #expect(previous.reason == "OOMKilled")
        #expect(previous.message == "killed")
        #expect(previous.startedAt == .rfc3339("2026-11-25T18:59:59Z"))
        #expect(previous.finishedAt == .rfc3339("2026-11-25T19:00:00Z"))
    }

    @Test func roundTripsByteForByteWhenNothingIsSet() throws {
        let compact = Array(try ObjectFixture.compact(ObjectFixture.runningPod).utf8)
        _ = (pod.spec.containers, pod.status.containerStatuses.first?.state, pod.metadata.labels)
        #expect(pod.serialized() == compact)
    }

    @Test func writingFieldsToTheirOwnValuesChangesNoByte() throws {
        var copy = pod
        copy.metadata.labels = copy.metadata.labels
        copy.metadata.creationTimestamp = copy.metadata.creationTimestamp
        copy.spec.containers = copy.spec.containers
        let requests = copy.spec.containers[0].resources.requests
        copy.spec.containers[0].resources.requests = requests
        copy.spec.containers[0].env[1].value = nil
        copy.status.phase = copy.status.phase
        let startedAt = copy.status.containerStatuses[0].state.running?.startedAt
        copy.status.containerStatuses[0].state.running?.startedAt = startedAt
        #expect(copy.serialized() == pod.serialized())
    }

    @Test func writingANestedContainerFieldKeepsEverythingElse() throws {
        var changed = pod
        changed.spec.containers[0].image = "ghcr.io/acme/train:1.5.0"
        #expect(changed.spec.containers[0].image == "ghcr.io/acme/train:1.5.0")
        let expected = try ObjectFixture.compact(ObjectFixture.runningPod)
            .replacingOccurrences(of: #""image":"ghcr.io/acme/train:1.4.2","command""#,
                                  with: #""image":"ghcr.io/acme/train:1.5.0","command""#)
        #expect(changed.document.testJSON == expected)
        // The original value is untouched: views are values.
        #expect(pod.spec.containers[0].image == "ghcr.io/acme/train:1.4.2")
    }

    @Test func writingStatusDeepInsideKeepsUnknownFieldsAndOrder() throws {
        var changed = pod
        changed.status.phase = .failed
        changed.status.containerStatuses[0].state.terminated?.exitCode = 3
        changed.status.containerStatuses[0].lastState.terminated?.exitCode = 1
        #expect(changed.status.phase == .failed)
        #expect(changed.status.containerStatuses[0].lastState.terminated?.exitCode == 1)
        #expect(changed.status.containerStatuses[0].state.terminated == nil)  // nothing to change there
        #expect(changed.document["status"]?["qosClass"] == "Burstable")
        #expect(ObjectFixture.keys(changed.document, "status") == ObjectFixture.keys(pod.document, "status"))
        #expect(changed.document["spec"] == pod.document["spec"])
    }

    @Test func settingNilRemovesTheKey() {
        var changed = pod
        changed.spec.nodeName = nil
        changed.spec.containers[0].workingDir = nil
        changed.spec.nodeSelector = [:]
        #expect(changed.document["spec"]?["nodeName"] == nil)
        #expect(changed.document["spec"]?["nodeSelector"] == nil)
        #expect(changed.spec.containers[0].object["workingDir"] == nil)
        #expect(changed.document["spec"]?["overhead"] == pod.document["spec"]?["overhead"])
    }

    @Test func writingQuantitiesKeepsUnchangedTextAndWritesNewOnesCanonical() throws {
        var changed = pod
        changed.spec.containers[0].resources.requests["cpu"] = try Quantity(parsing: "1.5")
        changed.spec.containers[0].resources.requests["memory"] = try Quantity(parsing: "0.5Gi")
        changed.spec.containers[0].resources.limits["ephemeral-storage"] = Quantity(integer: 2_000_000_000)
        let requests = changed.document["spec"]?["containers"]?.arrayValue?[0]["resources"]?["requests"]
        #expect(requests?.jsonText == #"{"cpu":"1500m","memory":"512Mi","nvidia.com/gpu":"1"}"#)
        let limits = changed.document["spec"]?["containers"]?.arrayValue?[0]["resources"]?["limits"]
        #expect(limits?.jsonText == #"{"cpu":"2","memory":"4Gi","ephemeral-storage":"2G"}"#)
    }

    @Test func quantitiesWrittenAsNumbersOrNonsenseAreHandled() throws {
        let container = Container(object: try ObjectFixture.document(
            #"{"resources": {"requests": {"cpu": 0.5, "memory": 1024, "bad": "lots"}}}"#))
        #expect(container.resources.requests == ["cpu": Quantity(milliValue: 500), "memory": Quantity(integer: 1024)])
    }

    @Test func buildsAPodToCreate() throws {
        var pod = Pod(name: "train-1", namespace: "sluice")
        var main = Container(name: "main", image: "busybox:1.36")
        main.command = ["sh", "-c", "echo hi"]
        main.env = [.init(name: "A", value: "1")]
        main.resources.limits = ["cpu": Quantity(milliValue: 500)]
        pod.spec.containers = [main]
        pod.spec.restartPolicy = "Never"
        pod.metadata.labels["sluice.dev/run"] = "r1"
        #expect(pod.document.testJSON == """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"train-1","namespace":"sluice",\
            "labels":{"sluice.dev/run":"r1"}},"spec":{"containers":[{"name":"main","image":"busybox:1.36",\
            "command":["sh","-c","echo hi"],"env":[{"name":"A","value":"1"}],"resources":{"limits":{"cpu":"500m"}}}],\
            "restartPolicy":"Never"}}
            """)
    }

    @Test func readingAnEmptyPodGivesNilsAndEmptiesAndAddsNothing() {
        var pod = Pod()
        #expect(pod.spec.containers.isEmpty)
        #expect(pod.status.phase == nil)
        #expect(pod.metadata.labels.isEmpty)
        pod.status.conditions = []
        pod.spec.containers = []
        pod.spec.restartPolicy = nil
        #expect(pod.document.testJSON == #"{"apiVersion":"v1","kind":"Pod"}"#)
    }

    @Test func phasesKeepTextTheyDoNotKnow() {
        #expect(PodPhase(rawValue: "Unknown") == .unknown)
        #expect(PodPhase(rawValue: "Hibernating") == .unrecognized("Hibernating"))
        var pod = Pod()
        pod.status.phase = .unrecognized("Hibernating")
        #expect(pod.document["status"]?["phase"] == "Hibernating")
        #expect(PodPhase.succeeded.isFinished && !PodPhase.running.isFinished)
    }
}
