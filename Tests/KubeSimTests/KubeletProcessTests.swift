import Foundation
import SluiceKube
import Testing
@testable import KubeSim

/// `--run-commands`: containers as real local processes.
struct KubeletProcessTests {
    typealias F = KubeletFixtures

    /// A kubelet running commands in a fresh folder under the temporary directory (removed by the caller).
    static func kubelet(_ store: ObjectStore) -> Kubelet {
        let root = NSTemporaryDirectory() + "kubesim-test-\(UUID().uuidString)"
        return Kubelet(store: store, options: Kubelet.Options(runCommands: true, podRoot: root))
    }

    static func shell(_ script: String, extra: JSONObject = [:]) -> [JSONValue] {
        var container: JSONObject = ["name": "main", "image": "busybox", "command": ["/bin/sh", "-c", .string(script)]]
        for (key, value) in extra { container[key] = value }
        return [.object(container)]
    }

    static func phase(_ store: ObjectStore) -> String? {
        store.get(.pods, namespace: "default", name: "job-1")?.object["status"]?["phase"]?.stringValue
    }

    @Test func commandsEnvAndPathsMapIntoThePodFolder() {
        let spec: JSONValue = [
            "name": "main", "command": ["sh", "-c"], "args": ["echo $(GREETING) > /tmp/msg; cat /dev/termination-log"],
            "env": [["name": "GREETING", "value": "hi"], ["name": "FROM", "valueFrom": ["fieldRef": ["fieldPath": "x"]]]],
        ]
        let command = ContainerCommand(container: spec, podFolder: "/tmp/p", inherited: ["PATH": "/bin"])
        #expect(command.argv == ["sh", "-c", "echo hi > /tmp/msg; cat /tmp/p/main.termination-log"])
        #expect(command.environment["GREETING"] == "hi")
        #expect(command.environment["FROM"] == nil)
        #expect(command.environment["KUBESIM_TERMINATION_MESSAGE_PATH"] == "/tmp/p/main.termination-log")
        #expect(command.workingDirectory == "/tmp/p/main")
        #expect(command.notes.count == 1)
    }

    @Test func processExitCodeMessageAndLogAreReported() async throws {
        let store = ObjectStore()
        let kubelet = Self.kubelet(store)
        defer { try? FileManager.default.removeItem(atPath: kubelet.options.podRoot) }
        let script = "echo hello $HOSTNAME; echo oops >&2; printf 'disk full' > /dev/termination-log; exit 4"
        try store.create(.pods, namespace: "default", F.pod(containers: Self.shell(script)))
        let running = Task { try await kubelet.run() }
        defer { running.cancel() }
        #expect(await KubeletWait.until { Self.phase(store) == "Failed" })
        let status = try #require(store.get(.pods, namespace: "default", name: "job-1")?.object["status"])
        let terminated = status["containerStatuses"]?.arrayValue?.first?["state"]?["terminated"]
        #expect(terminated?["exitCode"] == 4)
        #expect(terminated?["reason"] == "Error")
        #expect(terminated?["message"] == "disk full")
        let log = try kubelet.logs.logs(namespace: "default", pod: "job-1", container: nil, previous: false,
                                        tailLines: nil, follow: true)
        var text = ""
        for await chunk in log { text += String(decoding: chunk, as: UTF8.self) }
        #expect(text.contains("hello job-1\n"))
        #expect(text.contains("oops\n"))
    }

    @Test func fallbackToLogsOnErrorUsesTheLogTail() async throws {
        let store = ObjectStore()
        let kubelet = Self.kubelet(store)
        defer { try? FileManager.default.removeItem(atPath: kubelet.options.podRoot) }
        let containers = Self.shell("echo first; echo last words; exit 1",
                                    extra: ["terminationMessagePolicy": "FallbackToLogsOnError"])
        try store.create(.pods, namespace: "default", F.pod(containers: containers))
        let running = Task { try await kubelet.run() }
        defer { running.cancel() }
        #expect(await KubeletWait.until { Self.phase(store) == "Failed" })
        let status = store.get(.pods, namespace: "default", name: "job-1")?.object["status"]
        #expect(status?["containerStatuses"]?.arrayValue?.first?["state"]?["terminated"]?["message"] == "first\nlast words\n")
    }

    @Test func deletingAPodStopsItsProcessGroup() async throws {
        let store = ObjectStore(expireTerminatingPods: false)
        let kubelet = Self.kubelet(store)
        defer { try? FileManager.default.removeItem(atPath: kubelet.options.podRoot) }
        let running = Task { try await kubelet.run() }
        defer { running.cancel() }
        try store.create(.pods, namespace: "default", F.pod(restartPolicy: "Always", containers: Self.shell("sleep 60")))
        #expect(await KubeletWait.until { Self.phase(store) == "Running" })
        try store.delete(.pods, namespace: "default", name: "job-1", options: DeleteOptions(gracePeriodSeconds: 5))
        #expect(await KubeletWait.until { store.get(.pods, namespace: "default", name: "job-1") == nil })
        let last = store.writes().last { $0.verb == "update/status" }?.object.object
        let terminated = last?["status"]?["containerStatuses"]?.arrayValue?.first?["state"]?["terminated"]
        #expect(terminated?["exitCode"] == 143)
    }

    @Test func activeDeadlineKillsALongCommand() async throws {
        let store = ObjectStore()
        let kubelet = Self.kubelet(store)
        defer { try? FileManager.default.removeItem(atPath: kubelet.options.podRoot) }
        let running = Task { try await kubelet.run() }
        defer { running.cancel() }
        var pod = F.pod(containers: Self.shell("sleep 60"))
        pod["spec"]?["activeDeadlineSeconds"] = 1
        try store.create(.pods, namespace: "default", pod)
        #expect(await KubeletWait.until { Self.phase(store) == "Failed" })
        let status = store.get(.pods, namespace: "default", name: "job-1")?.object["status"]
        #expect(status?["reason"] == "DeadlineExceeded")
        #expect(await KubeletWait.until { await kubelet.runningProcessCount == 0 })
    }

    @Test func missingExecutableIsAStartError() async throws {
        let store = ObjectStore()
        let kubelet = Self.kubelet(store)
        defer { try? FileManager.default.removeItem(atPath: kubelet.options.podRoot) }
        let containers: [JSONValue] = [["name": "main", "image": "busybox", "command": ["no-such-binary-kubesim"]]]
        try store.create(.pods, namespace: "default", F.pod(containers: containers))
        await kubelet.reconcileAll(now: Date())
        await kubelet.reconcileAll(now: Date().addingTimeInterval(1))
        let status = store.get(.pods, namespace: "default", name: "job-1")?.object["status"]
        #expect(status?["phase"] == "Failed")
        let terminated = status?["containerStatuses"]?.arrayValue?.first?["state"]?["terminated"]
        #expect(terminated?["reason"] == "StartError")
        #expect(terminated?["exitCode"] == 128)
    }
}
