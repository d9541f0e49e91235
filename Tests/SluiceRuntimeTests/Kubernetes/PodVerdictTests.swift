import SluiceKube
import Testing
@testable import SluiceRuntime

/// Each row of docs/reference/pod-phases.md, read from the pod documents a real API server sends.
@Suite struct PodVerdictTests {
    static func pod(phase: String = "Pending", reason: String? = nil, message: String? = nil, conditions: [JSONValue] = [],
                    state: JSONValue? = nil, memory: String? = nil) -> JSONObject {
        var status: JSONObject = ["phase": .string(phase), "conditions": .array(conditions)]
        if let reason { status["reason"] = .string(reason) }
        if let message { status["message"] = .string(message) }
        if let state { status["containerStatuses"] = [["name": "task", "state": state]] }
        var container: JSONObject = ["name": "task", "image": "busybox"]
        if let memory { container["resources"] = ["limits": ["memory": .string(memory)]] }
        return ["metadata": ["name": "p"], "spec": ["containers": [.object(container)]], "status": .object(status)]
    }

    static func condition(_ type: String, _ status: String, reason: String, message: String = "") -> JSONValue {
        ["type": .string(type), "status": .string(status), "reason": .string(reason), "message": .string(message)]
    }

    @Test func unschedulableIsQueuedWithTheSchedulersMessage() {
        let p = Self.pod(conditions: [Self.condition("PodScheduled", "False", reason: "Unschedulable", message: "0/3 nodes are available: 3 Insufficient cpu.")])
        #expect(PodVerdict.of(p) == .unschedulable("0/3 nodes are available: 3 Insufficient cpu."))
    }

    @Test func pullFailuresAndRefusals() {
        let pull = Self.pod(state: ["waiting": ["reason": "ImagePullBackOff", "message": "Back-off pulling image \"nope\""]])
        #expect(PodVerdict.of(pull) == .imagePull("ImagePullBackOff: Back-off pulling image \"nope\""))
        for reason in ["InvalidImageName", "CreateContainerConfigError", "CreateContainerError"] {
            guard case .refused(let why) = PodVerdict.of(Self.pod(state: ["waiting": ["reason": .string(reason)]])) else {
                Issue.record("\(reason) is not a refusal")
                continue
            }
            #expect(why.hasPrefix(reason))
        }
        #expect(PodVerdict.of(Self.pod(state: ["waiting": ["reason": "ContainerCreating"]])) == .pending(note: "ContainerCreating"))
    }

    @Test func endsCarryExitCodeMessageAndOOM() {
        let ok = Self.pod(phase: "Succeeded", state: ["terminated": ["exitCode": 0, "reason": "Completed", "message": "{\"n\": 1}"]])
        guard case .ended(let e) = PodVerdict.of(ok) else { Issue.record("not ended"); return }
        #expect(e.exitCode == 0 && e.message == "{\"n\": 1}" && !e.oomKilled)
        // OOMKilled counts even when the exit code is 0 and the pod Succeeded.
        let oom = Self.pod(phase: "Succeeded", state: ["terminated": ["exitCode": 0, "reason": "OOMKilled"]], memory: "256Mi")
        guard case .ended(let o) = PodVerdict.of(oom) else { Issue.record("not ended"); return }
        #expect(o.oomKilled && o.memoryLimit == "256Mi")
        let failed = Self.pod(phase: "Failed", state: ["terminated": ["exitCode": 3, "reason": "Error"]])
        guard case .ended(let f) = PodVerdict.of(failed) else { Issue.record("not ended"); return }
        #expect(f.exitCode == 3)
    }

    @Test func disruptionsAreLost() {
        let running: JSONValue = ["running": ["startedAt": "2026-12-06T07:00:00Z"]]
        let preempted = Self.pod(phase: "Running", conditions: [Self.condition("DisruptionTarget", "True", reason: "PreemptionByScheduler", message: "high-priority")], state: running)
        #expect(PodVerdict.of(preempted) == .lost("preempted by the scheduler: high-priority"))
        let evicted = Self.pod(phase: "Failed", reason: "Evicted", message: "The node was low on resource: memory.")
        #expect(PodVerdict.of(evicted) == .lost("evicted: The node was low on resource: memory."))
        guard case .lost(let node) = PodVerdict.of(Self.pod(phase: "Unknown", reason: "NodeLost")) else { Issue.record("node lost"); return }
        #expect(node.contains("stopped reporting"))
        guard case .lost = PodVerdict.of(Self.pod(phase: "Failed", state: ["terminated": ["exitCode": 137, "reason": "ContainerStatusUnknown"]])) else {
            Issue.record("unknown status")
            return
        }
        guard case .lost(let never) = PodVerdict.of(Self.pod(phase: "Failed", reason: "DeadlineExceeded")) else { Issue.record("never ran"); return }
        #expect(never.contains("before its task ran"))
    }

    @Test func runningReportsItsStart() {
        guard case .running(let at) = PodVerdict.of(Self.pod(phase: "Running", state: ["running": ["startedAt": "2026-12-06T07:00:00Z"]])) else {
            Issue.record("not running")
            return
        }
        #expect(at != nil)
    }
}
