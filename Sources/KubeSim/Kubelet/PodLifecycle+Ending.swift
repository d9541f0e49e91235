import Foundation
import SluiceKube

/// How pods end: containers exit, the kubelet evicts, the node goes away, the system or a user deletes.
extension PodLifecycle {
    /// Containers ended with `exits`. Those the restart policy restarts (Always; OnFailure after a failure)
    /// wait in CrashLoopBackOff for `backoff` (pkg/kubelet/kuberuntime/kuberuntime_manager.go doBackOff),
    /// or, with no back-off yet, show the exit until the immediate first restart; the pod stays Running.
    /// Otherwise the pod ends: Succeeded when every container exited 0, else Failed.
    func ended(exits: [String: ContainerExit], at: Date, restartCount: Int = 0, backoff: Duration? = nil,
               finished: [String: ContainerExit] = [:]) -> PodStage {
        var statuses: [JSONValue] = []
        var events: [SimEvent] = []
        var restarting: [String] = []
        var failed = false
        for c in containers {
            let exit = finished[c.name] ?? exits[c.name] ?? ContainerExit(exitCode: 0, startedAt: startedAt, finishedAt: at)
            if finished[c.name] == nil && restarts(exit) {
                restarting.append(c.name)
                if let backoff {
                    let message = "back-off \(KubeletBackoff.goString(backoff)) restarting failed container=\(c.name) pod=\(name)_\(namespace)(\(uid))"
                    statuses.append(PodStatusDocument.containerStatus(
                        c, state: .waiting(reason: "CrashLoopBackOff", message: message), lastState: .terminated(exit),
                        restartCount: restartCount))
                    events.append(SimEvent("Warning", reason: "BackOff",
                                           message: "Back-off restarting failed container \(c.name) in pod \(name)_\(namespace)(\(uid))",
                                           fieldPath: SimEvent.container(c.name)))
                } else {
                    statuses.append(PodStatusDocument.containerStatus(c, state: .terminated(exit), restartCount: restartCount))
                }
            } else {
                statuses.append(PodStatusDocument.containerStatus(c, state: .terminated(exit), restartCount: restartCount))
            }
            if exit.exitCode != 0 { failed = true }
        }
        if !restarting.isEmpty {
            var conditions = notReadyConditions(sandboxAt: startedAt, readyAt: at)
            let unready = "containers with unready status: [\(restarting.joined(separator: " "))]"
            conditions[2] = PodStatusDocument.condition("Ready", false, at: at, reason: "ContainersNotReady", message: unready)
            conditions[3] = PodStatusDocument.condition("ContainersReady", false, at: at, reason: "ContainersNotReady",
                                                        message: unready)
            let status = PodStatusDocument.status(
                phase: "Running", conditions: conditions, node: boundNode, podIP: podIP, startTime: scheduledAt,
                containerStatuses: statuses, qosClass: qos)
            return PodStage(kind: .ended, at: at, status: status, events: events)
        }
        let status = PodStatusDocument.status(
            phase: failed ? "Failed" : "Succeeded", conditions: terminalConditions(at: at, failed: failed),
            node: boundNode, podIP: podIP, startTime: scheduledAt, containerStatuses: statuses, qosClass: qos)
        return PodStage(kind: .ended, at: at, status: status, events: events)
    }

    /// Whether the restart policy restarts a container that ended with `exit`.
    func restarts(_ exit: ContainerExit) -> Bool {
        restartPolicy == "Always" || (restartPolicy == "OnFailure" && exit.exitCode != 0)
    }

    /// Conditions once every container has ended for good.
    func terminalConditions(at: Date, failed: Bool) -> [JSONValue] {
        let reason = failed ? "PodFailed" : "PodCompleted"
        return [
            PodStatusDocument.condition("PodReadyToStartContainers", false, at: at),
            PodStatusDocument.condition("Initialized", true, at: scheduledAt, reason: failed ? nil : reason),
            PodStatusDocument.condition("Ready", false, at: at, reason: reason),
            PodStatusDocument.condition("ContainersReady", false, at: at, reason: reason),
            PodStatusDocument.condition("PodScheduled", true, at: scheduledAt),
        ]
    }

    /// The kubelet evicts the pod under memory pressure, as `kubectl describe` shows it.
    func evicted() -> PodStage {
        let first = containers.first?.name ?? "main"
        let message = "The node was low on resource: memory. Threshold quantity: 100Mi, available: 85424Ki. "
            + "Container \(first) was using 1947284Ki, request is 0, has larger consumption of memory. "
        var statuses: [JSONValue] = []
        var events = [SimEvent("Warning", reason: "Evicted", message: message)]
        for c in containers {
            let exit = ContainerExit(exitCode: 137, reason: "ContainerStatusUnknown",
                                     message: "The container could not be located when the pod was terminated",
                                     startedAt: startedAt, finishedAt: endsAt)
            statuses.append(PodStatusDocument.containerStatus(c, state: .terminated(exit)))
            events.append(SimEvent(reason: "Killing", message: "Stopping container \(c.name)",
                                   fieldPath: SimEvent.container(c.name)))
        }
        let conditions = [PodStatusDocument.condition("DisruptionTarget", true, at: endsAt, reason: "TerminationByKubelet",
                                                      message: message)]
            + terminalConditions(at: endsAt, failed: true)
        let status = PodStatusDocument.status(
            phase: "Failed", conditions: conditions, message: message, reason: "Evicted", node: boundNode,
            podIP: podIP, startTime: scheduledAt, containerStatuses: statuses, qosClass: qos)
        return PodStage(kind: .evicted, at: endsAt, status: status, events: events)
    }

    /// The node stops reporting: the node controller marks the pod not ready, phase Unknown, reason NodeLost.
    func nodeLost(_ running: PodStage) -> PodStage {
        var status = running.status
        status["phase"] = "Unknown"
        status["reason"] = "NodeLost"
        status["message"] = .string("Node \(nodeName) which was running pod \(name) is unresponsive")
        status["conditions"] = .array((status["conditions"]?.arrayValue ?? []).map { condition in
            guard let type = condition["type"]?.stringValue, type == "Ready" || type == "ContainersReady" else {
                return condition
            }
            return PodStatusDocument.condition(type, false, at: endsAt, reason: "NodeLost",
                                               message: "Kubelet stopped posting node status.")
        })
        let event = SimEvent("Warning", reason: "NodeNotReady", message: "Node is not ready", component: "node-controller")
        return PodStage(kind: .nodeLost, at: endsAt, status: status, events: [event])
    }

    /// A DisruptionTarget condition on the running pod, then the system deletes it (the kubelet kills it then).
    func disrupted(_ running: PodStage, reason: String, message: String, events: [SimEvent]) -> PodStage {
        var status = running.status
        let condition = PodStatusDocument.condition("DisruptionTarget", true, at: endsAt, reason: reason, message: message)
        status["conditions"] = .array([condition] + (status["conditions"]?.arrayValue ?? []))
        return PodStage(kind: .disrupted, at: endsAt, status: status, events: events, deletesPod: true)
    }

    /// The kubelet's last word on a deleted pod whose containers it stopped: each running container
    /// terminated with its exit from `exits` (a real process) or 143 (ended by SIGTERM). Nil when there is
    /// nothing to stop (never started, or already ended): the pod is simply removed.
    public func killed(current: PodStage?, at: Date, exits: [String: ContainerExit] = [:]) -> PodStage? {
        guard let current, current.phase == "Running" else { return nil }
        let statuses = current.status["containerStatuses"]?.arrayValue ?? []
        var newStatuses: [JSONValue] = []
        var events: [SimEvent] = []
        var failed = false
        for (c, old) in zip(containers, statuses) {
            guard let started = old["state"]?["running"]?["startedAt"]?.stringValue.flatMap(KubeTime.parse) else {
                newStatuses.append(old)
                continue
            }
            let exit = exits[c.name] ?? ContainerExit(exitCode: 143, startedAt: started, finishedAt: at)
            if exit.exitCode != 0 { failed = true }
            newStatuses.append(PodStatusDocument.containerStatus(c, state: .terminated(exit)))
            events.append(SimEvent(reason: "Killing", message: "Stopping container \(c.name)",
                                   fieldPath: SimEvent.container(c.name)))
        }
        let disruption = (current.status["conditions"]?.arrayValue ?? []).filter { $0["type"]?.stringValue == "DisruptionTarget" }
        let status = PodStatusDocument.status(
            phase: failed ? "Failed" : "Succeeded", conditions: disruption + terminalConditions(at: at, failed: failed),
            node: boundNode, podIP: podIP, startTime: scheduledAt, containerStatuses: newStatuses, qosClass: qos)
        return withInitContainers(PodStage(kind: .killed, at: at, status: status, events: events))
    }

    /// `spec.activeDeadlineSeconds` after `startTime`: if the pod has not ended by then, the kubelet kills
    /// it: phase Failed, reason DeadlineExceeded. Stages after the deadline never happen.
    func withActiveDeadline(_ stages: [PodStage]) -> [PodStage] {
        guard let seconds = activeDeadlineSeconds, seconds > 0 else { return stages }
        // A deadline patched in after stages were applied ends the pod now, not in the past.
        let deadline = max(scheduledAt.addingTimeInterval(Double(seconds)), deadlineNotBefore ?? .distantPast)
        var kept = stages.filter { $0.at < deadline || $0.at <= (deadlineNotBefore ?? .distantPast) }
        guard let last = kept.last, last.phase != "Succeeded", last.phase != "Failed", !last.deletesPod else { return kept }
        let message = "Pod was active on the node longer than the specified deadline"
        var statuses: [JSONValue] = []
        for (c, old) in zip(containers, last.status["containerStatuses"]?.arrayValue ?? []) {
            if let started = old["state"]?["running"]?["startedAt"]?.stringValue.flatMap(KubeTime.parse) {
                let exit = ContainerExit(exitCode: 137, startedAt: started, finishedAt: deadline)
                statuses.append(PodStatusDocument.containerStatus(c, state: .terminated(exit)))
            } else {
                statuses.append(old)
            }
        }
        let status = PodStatusDocument.status(
            phase: "Failed", conditions: terminalConditions(at: deadline, failed: true), message: message,
            reason: "DeadlineExceeded", node: boundNode, podIP: last.status["podIP"] == nil ? nil : podIP,
            startTime: scheduledAt, containerStatuses: statuses, qosClass: qos)
        var events = [SimEvent("Warning", reason: "DeadlineExceeded", message: message)]
        for (c, old) in zip(containers, last.status["containerStatuses"]?.arrayValue ?? []) where old["state"]?["running"] != nil {
            events.append(SimEvent(reason: "Killing", message: "Stopping container \(c.name)", fieldPath: SimEvent.container(c.name)))
        }
        kept.append(PodStage(kind: .deadlineExceeded, at: deadline, status: status, events: events))
        return kept
    }
}
