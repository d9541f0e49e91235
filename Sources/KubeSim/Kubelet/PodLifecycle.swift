import Foundation
import SluiceKube

/// A pod's simulated life as a pure function: pod + script + node + when the kubelet first saw it -> the
/// stages with the status a real kubelet (and scheduler) would write at each, and their events.
///
/// Nothing here reads a clock: the kubelet applies the last stage whose `at` has passed.
public struct PodLifecycle: Sendable {
    public let pod: JSONObject
    public let script: PodScript
    public let node: SimulatedNode
    public let podIP: String
    public let firstSeen: Date
    let containers: [ContainerFacts]
    let initContainers: [ContainerFacts]

    public init(pod: JSONObject, script: PodScript, node: SimulatedNode, podIP: String, firstSeen: Date) {
        self.pod = pod
        self.script = script
        self.node = node
        self.podIP = podIP
        self.firstSeen = firstSeen
        containers = ContainerFacts.of(pod)
        initContainers = ContainerFacts.of(pod, field: "initContainers")
    }

    var name: String { pod["metadata"]?["name"]?.stringValue ?? "" }
    var namespace: String { pod["metadata"]?["namespace"]?.stringValue ?? "default" }
    var uid: String { pod["metadata"]?["uid"]?.stringValue ?? "" }
    var restartPolicy: String { pod["spec"]?["restartPolicy"]?.stringValue ?? "Always" }
    var qos: String { PodStatusDocument.qosClass(pod) }
    /// The node the pod runs on: its own `spec.nodeName` when the user set one.
    var nodeName: String { pod["spec"]?["nodeName"]?.stringValue ?? node.name }
    var boundNode: SimulatedNode { var n = node; n.name = nodeName; return n }

    var scheduledAt: Date { firstSeen.adding(script.scheduleDelay) }
    var startedAt: Date { scheduledAt.adding(script.startDelay) }
    var endsAt: Date { startedAt.adding(script.runDuration) }

    /// Every stage in time order. `exits` are the real ends of containers under `--run-commands`: then a
    /// pod that would succeed or fail ends when all its processes have ended, not after `run-duration`.
    public func stages(exits: [String: ContainerExit]? = nil) -> [PodStage] {
        if script.outcome == .unschedulable { return withDeleteAfter([unschedulable()]) }
        var stages: [PodStage] = []
        if script.scheduleDelay > .zero {
            stages.append(PodStage(kind: .accepted, at: firstSeen,
                                   status: ["phase": "Pending", "qosClass": .string(qos)]))
        }
        stages.append(creating())
        if script.outcome == .imagePullBackOff {
            stages += pullFailures()
            return withDeleteAfter(withActiveDeadline(stages)).map(withInitContainers).map(withInitContainers)
        }
        let running = running()
        stages.append(running)
        switch script.outcome {
        case .oomKilled: stages.append(ended(exits: simulatedExits(), at: endsAt))
        case .succeeded, .failed, .running:
            if let exits {
                if containers.allSatisfy({ exits[$0.name] != nil }), !containers.isEmpty {
                    let at = containers.compactMap { exits[$0.name]?.finishedAt }.max() ?? endsAt
                    stages.append(ended(exits: exits, at: max(at, startedAt)))
                }
            } else if script.outcome != .running {
                stages.append(ended(exits: simulatedExits(), at: endsAt))
            }
        case .evicted: stages.append(evicted())
        case .nodeLost: stages.append(nodeLost(running))
        case .deleted:
            stages.append(disrupted(running, reason: "EvictionByEvictionAPI", message: "Eviction API: evicting",
                                    events: []))
        case .preempted:
            let event = SimEvent(reason: "Preempted",
                                 message: "Preempted by pod \(StableID.hex("preemptor:\(uid)", count: 8))-"
                                     + "\(StableID.hex("preemptor-2:\(uid)", count: 4)) on node \(nodeName)",
                                 component: "default-scheduler")
            stages.append(disrupted(running, reason: "PreemptionByScheduler",
                                    message: "Kubernetes default scheduler: preempting to accommodate a higher priority pod",
                                    events: [event]))
        case .imagePullBackOff, .unschedulable: break
        }
        return withDeleteAfter(withActiveDeadline(stages)).map(withInitContainers)
    }

    /// The scheduler found no node; the pod stays Pending.
    func unschedulable() -> PodStage {
        let message = "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
            + "1 No preemption victims found for incoming pod."
        let status = PodStatusDocument.status(
            phase: "Pending",
            conditions: [PodStatusDocument.condition("PodScheduled", false, at: firstSeen, reason: "Unschedulable",
                                                     message: message)],
            node: nil, podIP: nil, startTime: nil, containerStatuses: nil, qosClass: qos)
        return PodStage(kind: .unschedulable, at: firstSeen, status: status,
                        events: [SimEvent("Warning", reason: "FailedScheduling", message: message,
                                          component: "default-scheduler")])
    }

    /// Bound to the node; the kubelet creates the sandbox and pulls images.
    func creating() -> PodStage {
        let statuses = containers.map {
            PodStatusDocument.containerStatus($0, state: .waiting(reason: "ContainerCreating", message: nil))
        }
        var events = [SimEvent(reason: "Scheduled", message: "Successfully assigned \(namespace)/\(name) to \(nodeName)",
                               component: "default-scheduler")]
        events += containers.map {
            SimEvent(reason: "Pulling", message: "Pulling image \"\($0.image)\"", fieldPath: SimEvent.container($0.name))
        }
        let status = PodStatusDocument.status(
            phase: "Pending", conditions: notReadyConditions(sandboxAt: nil, readyAt: scheduledAt),
            node: boundNode, podIP: nil, startTime: scheduledAt, containerStatuses: statuses, qosClass: qos)
        return PodStage(kind: .creating, at: scheduledAt, status: status, nodeName: nodeName, events: events)
    }

    /// Every container started and ready.
    func running() -> PodStage {
        let statuses = containers.map { PodStatusDocument.containerStatus($0, state: .running(startedAt: startedAt)) }
        var events: [SimEvent] = []
        let pullMillis = Int(script.startDelay / .milliseconds(1))
        for c in containers {
            let field = SimEvent.container(c.name)
            events.append(SimEvent(reason: "Pulled", message: "Successfully pulled image \"\(c.image)\" in \(pullMillis)ms "
                                   + "(\(pullMillis)ms including waiting). Image size: 4269694 bytes.", fieldPath: field))
            events.append(SimEvent(reason: "Created", message: "Created container: \(c.name)", fieldPath: field))
            events.append(SimEvent(reason: "Started", message: "Started container \(c.name)", fieldPath: field))
        }
        let status = PodStatusDocument.status(
            phase: "Running",
            conditions: [
                PodStatusDocument.condition("PodReadyToStartContainers", true, at: startedAt),
                PodStatusDocument.condition("Initialized", true, at: scheduledAt),
                PodStatusDocument.condition("Ready", true, at: startedAt),
                PodStatusDocument.condition("ContainersReady", true, at: startedAt),
                PodStatusDocument.condition("PodScheduled", true, at: scheduledAt),
            ],
            node: boundNode, podIP: podIP, startTime: scheduledAt, containerStatuses: statuses, qosClass: qos)
        return PodStage(kind: .running, at: startedAt, status: status, events: events)
    }

    /// ErrImagePull when the pull fails, ImagePullBackOff one start-delay later, for good.
    func pullFailures() -> [PodStage] {
        var stages: [PodStage] = []
        let backOffAt = startedAt.adding(script.startDelay)
        for (kind, at) in [(PodStage.Kind.pullError, startedAt), (.pullBackOff, backOffAt)] {
            var statuses: [JSONValue] = []
            var events: [SimEvent] = []
            for c in containers {
                let pullError = "failed to pull and unpack image \"\(c.imageReference)\": failed to resolve reference "
                    + "\"\(c.imageReference)\": pull access denied, repository does not exist or may require "
                    + "authorization: server message: insufficient_scope: authorization failed"
                let field = SimEvent.container(c.name)
                if kind == .pullError {
                    statuses.append(PodStatusDocument.containerStatus(
                        c, state: .waiting(reason: "ErrImagePull", message: pullError)))
                    events.append(SimEvent("Warning", reason: "Failed",
                                           message: "Failed to pull image \"\(c.image)\": \(pullError)", fieldPath: field))
                    events.append(SimEvent("Warning", reason: "Failed", message: "Error: ErrImagePull", fieldPath: field))
                } else {
                    statuses.append(PodStatusDocument.containerStatus(c, state: .waiting(
                        reason: "ImagePullBackOff", message: "Back-off pulling image \"\(c.image)\": ErrImagePull: \(pullError)")))
                    events.append(SimEvent(reason: "BackOff", message: "Back-off pulling image \"\(c.image)\"", fieldPath: field))
                    events.append(SimEvent("Warning", reason: "Failed", message: "Error: ImagePullBackOff", fieldPath: field))
                }
            }
            let status = PodStatusDocument.status(
                phase: "Pending", conditions: notReadyConditions(sandboxAt: startedAt, readyAt: scheduledAt),
                node: boundNode, podIP: podIP, startTime: scheduledAt, containerStatuses: statuses, qosClass: qos)
            stages.append(PodStage(kind: kind, at: at, status: status, events: events))
        }
        return stages
    }

    /// Conditions of a scheduled pod whose containers are not (or no longer) ready.
    func notReadyConditions(sandboxAt: Date?, readyAt: Date) -> [JSONValue] {
        let unready = "containers with unready status: [\(containers.map(\.name).joined(separator: " "))]"
        return [
            PodStatusDocument.condition("PodReadyToStartContainers", sandboxAt != nil, at: sandboxAt ?? scheduledAt),
            PodStatusDocument.condition("Initialized", true, at: scheduledAt),
            PodStatusDocument.condition("Ready", false, at: readyAt, reason: "ContainersNotReady", message: unready),
            PodStatusDocument.condition("ContainersReady", false, at: readyAt, reason: "ContainersNotReady", message: unready),
            PodStatusDocument.condition("PodScheduled", true, at: scheduledAt),
        ]
    }

    /// The script's exit for every container, as if each ran for `run-duration`.
    func simulatedExits() -> [String: ContainerExit] {
        var exits: [String: ContainerExit] = [:]
        for c in containers {
            exits[c.name] = script.outcome == .oomKilled
                ? ContainerExit(exitCode: 137, reason: "OOMKilled", message: script.terminationMessage,
                                startedAt: startedAt, finishedAt: endsAt)
                : ContainerExit(exitCode: script.containerExitCodes[c.name] ?? script.exitCode,
                                message: script.terminationMessage, startedAt: startedAt, finishedAt: endsAt)
        }
        return exits
    }

    /// After the last stage of an outcome that ends, the system deletes the pod `delete-after` later.
    func withDeleteAfter(_ stages: [PodStage]) -> [PodStage] {
        guard let delay = script.deleteAfter, let last = stages.last, !last.deletesPod else { return stages }
        var gone = last
        gone.kind = .systemDeleted
        gone.at = last.at.adding(delay)
        gone.events = []
        gone.nodeName = nil
        gone.deletesPod = true
        if last.kind == .nodeLost {
            let condition = PodStatusDocument.condition("DisruptionTarget", true, at: gone.at, reason: "DeletionByTaintManager",
                                                        message: "Taint manager: deleting due to NoExecute taint")
            gone.status["conditions"] = .array([condition] + (last.status["conditions"]?.arrayValue ?? []))
        }
        return stages + [gone]
    }
}
