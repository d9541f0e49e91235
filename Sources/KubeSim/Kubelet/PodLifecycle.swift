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
    /// Which images pulls find.
    public var registry: ImageRegistry
    /// The kubelet's back-off for image pulls and container restarts (10 s doubling to 5 min).
    public var backoff: KubeletBackoff
    /// How long the start was held after the images were ready (a missing ConfigMap or Secret).
    public var heldFor: TimeInterval = 0
    /// The images were pulled before the hold (their events are not repeated when the containers start).
    public var pulledBeforeHold = false
    /// `spec.activeDeadlineSeconds` as last seen (it may be patched while the pod runs).
    public var activeDeadlineSeconds: Int64?
    /// Stages up to this time have been applied: a deadline patched later ends the pod no earlier.
    public var deadlineNotBefore: Date?

    public init(pod: JSONObject, script: PodScript, node: SimulatedNode, podIP: String, firstSeen: Date,
                registry: ImageRegistry = ImageRegistry(acceptsAll: true), backoff: KubeletBackoff = KubeletBackoff()) {
        self.pod = pod
        self.script = script
        self.node = node
        self.podIP = podIP
        self.firstSeen = firstSeen
        self.registry = registry
        self.backoff = backoff
        containers = ContainerFacts.of(pod)
        initContainers = ContainerFacts.of(pod, field: "initContainers")
        activeDeadlineSeconds = pod["spec"]?["activeDeadlineSeconds"]?.intValue
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
    var startedAt: Date { scheduledAt.adding(script.startDelay).addingTimeInterval(initTime + heldFor) }
    var endsAt: Date { startedAt.adding(script.runDuration) }

    /// Every stage in time order. `exits` are the real ends of containers under `--run-commands`: then a
    /// pod that would succeed or fail ends when all its processes have ended, not after `run-duration`.
    /// Back-off cycles (image pulls, crash loops) never end: they are generated up to `horizon`.
    public func stages(exits: [String: ContainerExit]? = nil, until horizon: Date? = nil) -> [PodStage] {
        if script.outcome == .unschedulable { return withDeleteAfter([unschedulable()]) }
        var stages: [PodStage] = []
        if script.scheduleDelay > .zero {
            stages.append(PodStage(kind: .accepted, at: firstSeen,
                                   status: ["phase": "Pending", "qosClass": .string(qos)]))
        }
        stages.append(creating())
        if let failure = initFailure {
            stages += initStages(through: failure.index)
            stages += initFailureStages(failure, until: horizon)
            return withDeleteAfter(withActiveDeadline(stages)).map(withInitContainers)
        }
        stages += initStages(through: initContainers.count - 1)
        if let invalid = invalidImage() {
            stages.append(invalid)
            return withDeleteAfter(withActiveDeadline(stages)).map(withInitContainers)
        }
        if !missingImages.isEmpty {
            stages += pullFailures(until: horizon)
            return withDeleteAfter(withActiveDeadline(stages)).map(withInitContainers)
        }
        let running = running()
        stages.append(running)
        switch script.outcome {
        case .oomKilled: stages += exitCycles(until: horizon)
        case .succeeded, .failed, .running:
            if let exits {
                if containers.allSatisfy({ exits[$0.name] != nil }), !containers.isEmpty {
                    let at = containers.compactMap { exits[$0.name]?.finishedAt }.max() ?? endsAt
                    stages.append(ended(exits: exits, at: max(at, startedAt)))
                }
            } else if script.outcome != .running {
                stages += exitCycles(until: horizon)
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
        let events = [SimEvent(reason: "Scheduled", message: "Successfully assigned \(namespace)/\(name) to \(nodeName)",
                               component: "default-scheduler")]
        let status = PodStatusDocument.status(
            phase: "Pending", conditions: notReadyConditions(sandboxAt: nil, readyAt: scheduledAt),
            node: boundNode, podIP: nil, startTime: scheduledAt, containerStatuses: statuses, qosClass: qos)
        return PodStage(kind: .creating, at: scheduledAt, status: status, nodeName: nodeName, events: events)
    }

    /// Every container started and ready.
    func running() -> PodStage {
        let statuses = containers.map { PodStatusDocument.containerStatus($0, state: .running(startedAt: startedAt)) }
        var events: [SimEvent] = []
        for c in containers {
            if !pulledBeforeHold { events += pullEvents(c) }
            events += startEvents(c)
        }
        return PodStage(kind: .running, at: startedAt, status: runningStatus(statuses, at: startedAt), events: events)
    }

    /// Pulling and Pulled, as pkg/kubelet/images/image_manager.go reports a pull that worked.
    func pullEvents(_ c: ContainerFacts) -> [SimEvent] {
        let pullMillis = Int(script.startDelay / .milliseconds(1))
        let field = SimEvent.container(c.name)
        return [SimEvent(reason: "Pulling", message: "Pulling image \"\(c.image)\"", fieldPath: field),
                SimEvent(reason: "Pulled", message: "Successfully pulled image \"\(c.image)\" in \(pullMillis)ms "
                         + "(\(pullMillis)ms including waiting). Image size: 4269694 bytes.", fieldPath: field)]
    }

    /// Created and Started (pkg/kubelet/kuberuntime/kuberuntime_container.go startContainer).
    func startEvents(_ c: ContainerFacts) -> [SimEvent] {
        let field = SimEvent.container(c.name)
        return [SimEvent(reason: "Created", message: "Created container: \(c.name)", fieldPath: field),
                SimEvent(reason: "Started", message: "Started container \(c.name)", fieldPath: field)]
    }

    /// A Running pod whose containers have these statuses; Ready when every one runs.
    func runningStatus(_ statuses: [JSONValue], at: Date) -> JSONObject {
        let unready = zip(containers, statuses).filter { $0.1["ready"] != true }.map(\.0.name)
        var conditions = [
            PodStatusDocument.condition("PodReadyToStartContainers", true, at: startedAt),
            PodStatusDocument.condition("Initialized", true, at: scheduledAt),
            PodStatusDocument.condition("Ready", true, at: at),
            PodStatusDocument.condition("ContainersReady", true, at: at),
            PodStatusDocument.condition("PodScheduled", true, at: scheduledAt),
        ]
        if !unready.isEmpty {
            let message = "containers with unready status: [\(unready.joined(separator: " "))]"
            conditions[2] = PodStatusDocument.condition("Ready", false, at: at, reason: "ContainersNotReady", message: message)
            conditions[3] = PodStatusDocument.condition("ContainersReady", false, at: at, reason: "ContainersNotReady", message: message)
        }
        return PodStatusDocument.status(
            phase: "Running", conditions: conditions, node: boundNode, podIP: podIP,
            startTime: scheduledAt, containerStatuses: statuses, qosClass: qos)
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
    func simulatedExits(from start: Date? = nil, to end: Date? = nil) -> [String: ContainerExit] {
        var exits: [String: ContainerExit] = [:]
        let (from, to) = (start ?? startedAt, end ?? endsAt)
        for c in containers {
            exits[c.name] = script.outcome == .oomKilled
                ? ContainerExit(exitCode: 137, reason: "OOMKilled", message: terminationMessage(c, exitCode: 137),
                                startedAt: from, finishedAt: to)
                : ContainerExit(exitCode: script.containerExitCodes[c.name] ?? script.exitCode,
                                message: terminationMessage(c, exitCode: script.containerExitCodes[c.name] ?? script.exitCode),
                                startedAt: from, finishedAt: to)
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
