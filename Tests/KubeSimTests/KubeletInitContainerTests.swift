import Foundation
import SluiceKube
import Testing
@testable import KubeSim

/// Init containers run in order before the app containers; a failing one fails the pod (Never) or
/// crash-loops (Always, OnFailure); their logs are readable. The STATUS column follows printPod
/// (pkg/printers/internalversion/printers.go: `Init:i/n`, `Init:Error`, `Init:CrashLoopBackOff`).
struct KubeletInitContainerTests {
    typealias F = KubeletFixtures

    static func pod(restartPolicy: String = "Never", annotations: [String: String] = [:]) -> JSONObject {
        var pod = F.pod(restartPolicy: restartPolicy, annotations: annotations)
        pod["spec"]?["initContainers"] = [["name": "fetch", "image": "busybox"], ["name": "migrate", "image": "busybox"]]
        return pod
    }

    static func inits(_ stage: PodStage) -> [String] {
        (stage.status["initContainerStatuses"]?.arrayValue ?? []).map { s in
            if let reason = s["state"]?["waiting"]?["reason"]?.stringValue { return reason }
            if s["state"]?["running"] != nil { return "running" }
            return "exit \(s["state"]?["terminated"]?["exitCode"]?.intValue ?? -1)"
        }
    }

    @Test func initContainersRunOneAfterAnotherBeforeTheApp() {
        let lifecycle = F.lifecycle(Self.pod())
        let stages = lifecycle.stages()
        #expect(stages.map(\.kind) == [.creating, .initializing, .running, .ended])
        #expect(Self.inits(stages[0]) == ["running", "PodInitializing"])
        #expect(Self.inits(stages[1]) == ["exit 0", "running"])
        #expect(Self.inits(stages[2]) == ["exit 0", "exit 0"])
        // The app starts one start-delay after the last init container ended.
        #expect(abs(stages[2].at.timeIntervalSince(stages[1].at) - 2 * lifecycle.initStep) < 1e-6)
        #expect(F.condition(stages[1], "Initialized")?["message"] == "containers with incomplete status: [migrate]")
        #expect(PodPrinter.reason(["metadata": ["name": "p"], "status": .object(stages[1].status)]) == "Init:1/2")
    }

    @Test func failingInitContainerFailsAPodThatNeverRestarts() {
        let stages = F.lifecycle(Self.pod(annotations: ["exit-code.migrate": "3"])).stages()
        let last = stages.last!
        #expect(last.phase == "Failed")
        #expect(Self.inits(last) == ["exit 0", "exit 3"])
        #expect(F.container(last)?["state"]?["waiting"]?["reason"] == "PodInitializing")
        #expect(F.condition(last, "Initialized")?["reason"] == "ContainersNotInitialized")
        #expect(PodPrinter.reason(["metadata": ["name": "p"], "status": .object(last.status)]) == "Init:Error")
        #expect(!stages.contains { $0.kind == .running })
    }

    @Test func failingInitContainerCrashLoopsUnderAlways() {
        let stages = F.lifecycle(Self.pod(restartPolicy: "Always", annotations: ["exit-code.fetch": "1"]))
            .stages(until: F.t0.addingTimeInterval(60))
        #expect(Set(stages.map(\.phase)) == ["Pending"])
        let looping = stages.first { Self.inits($0).first == "CrashLoopBackOff" }
        #expect(looping != nil)
        #expect(looping.map { PodPrinter.reason(["metadata": ["name": "p"], "status": .object($0.status)]) } == "Init:CrashLoopBackOff")
        #expect(stages.last?.status["initContainerStatuses"]?[0]?["restartCount"]?.intValue ?? 0 >= 2)
    }

    @Test func initContainerLogsAreReadable() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        try store.create(.pods, namespace: "default", Self.pod())
        await F.advance(kubelet, to: 5)
        #expect(store.get(.pods, namespace: "default", name: "job-1")?.object["status"]?["phase"] == "Succeeded")
        var text = ""
        for await chunk in try kubelet.logs.logs(namespace: "default", pod: "job-1", container: "migrate", previous: false,
                                                 tailLines: nil, follow: false, since: nil, timestamps: false) {
            text += String(decoding: chunk, as: UTF8.self)
        }
        #expect(text == "kubesim: init container migrate of pod default/job-1 started\n"
            + "kubesim: init container migrate of pod default/job-1 exited with code 0\n")
    }
}
