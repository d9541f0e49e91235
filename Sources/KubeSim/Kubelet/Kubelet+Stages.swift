import Foundation
import SluiceKube

/// Writing stages to the store: status, binding, events, logs, and the system's deletions.
extension Kubelet {
    static let kubeletUser = "system:node:kubesim"

    /// Applies stages that fell due together: every event, the binding, then the last status.
    func apply(_ due: [PodStage], to pod: JSONObject, tracked: inout TrackedPod, now: Date) {
        guard let last = due.last else { return }
        for stage in due {
            for var event in stage.events {
                event.host = tracked.lifecycle.nodeName
                events.record(event, about: pod, at: max(stage.at, tracked.lifecycle.firstSeen))
            }
        }
        let (namespace, name) = (tracked.namespace, tracked.name)
        if let nodeName = due.lazy.compactMap(\.nodeName).first,
           (pod["spec"]?["nodeName"]?.stringValue ?? "").isEmpty {
            _ = try? store.modify(.pods, namespace: namespace, name: name,
                                  options: WriteOptions(user: "system:kube-scheduler")) { object in
                object["spec"]?["nodeName"] = .string(nodeName)
            }
        }
        writeStatus(last.status, tracked: tracked)
        for stage in due { updateLogs(reaching: stage, tracked: &tracked, now: now) }
        tracked.current = last
        if due.contains(where: \.deletesPod) {
            // No kubelet answers for a lost node's pod: the garbage collector deletes it with force.
            let force: Int64? = last.phase == "Unknown" ? 0 : nil
            _ = try? store.delete(.pods, namespace: namespace, name: name,
                                  options: DeleteOptions(gracePeriodSeconds: force, preconditionUID: tracked.uid,
                                                         write: WriteOptions(user: "system:serviceaccount:kube-system:pod-garbage-collector")))
        }
    }

    func writeStatus(_ status: JSONObject, tracked: TrackedPod) {
        _ = try? store.modify(.pods, namespace: tracked.namespace, name: tracked.name, subresource: .status,
                              options: WriteOptions(user: Self.kubeletUser)) { object in
            guard object.metadataString("uid") == tracked.uid else { return }
            object["status"] = .object(Self.merging(status, into: object))
        }
    }

    /// Condition types the kubelet (and scheduler) own; others (readiness gates' conditions) are kept.
    static let ownConditions: Set<String> = ["PodScheduled", "Initialized", "Ready", "ContainersReady",
                                             "PodReadyToStartContainers", "DisruptionTarget"]

    /// `status` with the pod's other conditions kept, and Ready held False until every readiness gate's
    /// condition is True (pkg/kubelet/status/generate.go GeneratePodReadyCondition).
    static func merging(_ status: JSONObject, into pod: JSONObject) -> JSONObject {
        let foreign = (pod["status"]?["conditions"]?.arrayValue ?? []).filter { !ownConditions.contains($0["type"]?.stringValue ?? "") }
        var conditions = status["conditions"]?.arrayValue ?? []
        let gates = (pod["spec"]?["readinessGates"]?.arrayValue ?? []).compactMap { $0["conditionType"]?.stringValue }
        if !gates.isEmpty, let i = conditions.firstIndex(where: { $0["type"] == "Ready" }), conditions[i]["status"] == "True" {
            var unready: [String] = []
            for gate in gates {
                guard let found = foreign.first(where: { $0["type"]?.stringValue == gate }) else {
                    unready.append("corresponding condition of pod readiness gate \"\(gate)\" does not exist.")
                    continue
                }
                let value = found["status"]?.stringValue ?? "Unknown"
                if value != "True" { unready.append("the status of pod readiness gate \"\(gate)\" is not \"True\", but \(value)") }
            }
            if !unready.isEmpty, var ready = conditions[i].objectValue {
                ready["status"] = "False"
                ready["reason"] = "ReadinessGatesNotReady"
                ready["message"] = .string(unready.joined(separator: ", "))
                conditions[i] = .object(ready)
            }
        }
        guard !foreign.isEmpty || status["conditions"] != nil else { return status }
        var out = status
        out["conditions"] = .array(conditions + foreign)
        return out
    }

    /// Logs follow the stages: a container starts writing when Running, and its log ends with it.
    func updateLogs(reaching stage: PodStage, tracked: inout TrackedPod, now: Date) {
        let (namespace, name) = (tracked.namespace, tracked.name)
        updateInitLogs(reaching: stage, tracked: &tracked)
        let containers = tracked.lifecycle.containers
        switch stage.kind {
        case .pullError, .pullBackOff:
            for (c, status) in zip(containers, stage.status["containerStatuses"]?.arrayValue ?? []) {
                logs.waiting(namespace: namespace, pod: name, container: c.name,
                             reason: status["state"]?["waiting"]?["reason"]?.stringValue ?? "ContainerCreating")
            }
        case .running:
            if options.runCommands, tracked.runsProcesses {
                startProcesses(&tracked, now: now)
            } else {
                for c in containers {
                    let log = logs.started(namespace: namespace, pod: name, container: c.name)
                    log?.append(tracked.lifecycle.script.log.map { $0.hasSuffix("\n") || $0.isEmpty ? $0 : $0 + "\n" }
                        ?? "kubesim: container \(c.name) of pod \(namespace)/\(name) started\n", at: stage.at)
                }
            }
        case .ended, .evicted, .killed, .deadlineExceeded:
            let simulated = !(options.runCommands && tracked.runsProcesses)
            for c in containers {
                guard let log = logs.started(namespace: namespace, pod: name, container: c.name) else { continue }
                if simulated, tracked.lifecycle.script.log == nil, !log.hasEnded {
                    let code = stage.status["containerStatuses"]?.arrayValue?
                        .first { $0["name"]?.stringValue == c.name }
                        .flatMap { $0["state"]?["terminated"]?["exitCode"] ?? $0["lastState"]?["terminated"]?["exitCode"] }?
                        .intValue ?? 0
                    log.append("kubesim: container \(c.name) of pod \(namespace)/\(name) exited with code \(code)\n",
                               at: stage.at)
                }
                if stage.phase == "Running" { logs.restarted(namespace: namespace, pod: name, container: c.name) }
                log.end()
            }
            if stage.phase != "Running" { killProcesses(tracked) }
        case .nodeLost, .disrupted, .systemDeleted, .accepted, .unschedulable, .creating, .initializing:
            break
        }
    }

    /// Init containers write a line when they start and one when they exit; a restarted one starts a new log.
    func updateInitLogs(reaching stage: PodStage, tracked: inout TrackedPod) {
        let (namespace, name) = (tracked.namespace, tracked.name)
        let statuses = stage.status["initContainerStatuses"]?.arrayValue ?? []
        for (c, status) in zip(tracked.lifecycle.initContainers, statuses) {
            let run = "\(c.name)#\(status["restartCount"]?.intValue ?? 0)"
            let crashLooping = status["state"]?["waiting"] != nil
            let ended = status["state"]?["terminated"] ?? (crashLooping ? status["lastState"]?["terminated"] : nil)
            if status["state"]?["running"] != nil || ended != nil, !tracked.initLogs.contains(run + " started") {
                tracked.initLogs.insert(run + " started")
                logs.started(namespace: namespace, pod: name, container: c.name)?
                    .append("kubesim: init container \(c.name) of pod \(namespace)/\(name) started\n", at: stage.at)
            }
            guard let ended, !tracked.initLogs.contains(run + " ended"),
                  let log = logs.started(namespace: namespace, pod: name, container: c.name) else { continue }
            tracked.initLogs.insert(run + " ended")
            log.append("kubesim: init container \(c.name) of pod \(namespace)/\(name) exited with code \(ended["exitCode"]?.intValue ?? 0)\n",
                       at: stage.at)
            if stage.phase == "Pending", tracked.lifecycle.restartPolicy != "Never", (ended["exitCode"]?.intValue ?? 0) != 0 {
                logs.restarted(namespace: namespace, pod: name, container: c.name)
            } else {
                log.end()
            }
        }
    }

    /// A deleted pod: stop its containers (SIGTERM, SIGKILL after the grace period under `--run-commands`),
    /// record their end, then remove the object.
    func terminate(_ tracked: inout TrackedPod, pod: JSONObject, now: Date) {
        // The node is lost: nobody stops the containers; the pod stays Terminating until its grace period ends.
        if tracked.current?.phase == "Unknown" { return }
        if !tracked.processes.isEmpty {
            guard !tracked.terminating else { return }
            tracked.terminating = true
            for name in tracked.processes.keys {
                events.record(SimEvent(reason: "Killing", message: "Stopping container \(name)",
                                       fieldPath: SimEvent.container(name)), about: pod, at: now)
            }
            for process in tracked.processes.values { process.send(SIGTERM) }
            let grace = pod["metadata"]?["deletionGracePeriodSeconds"]?.intValue ?? 30
            let (uid, clock) = (tracked.uid, self.clock)
            Task { [weak self] in
                try? await clock.sleep(until: now.addingTimeInterval(Double(grace)))
                await self?.forceKill(uid)
            }
            return
        }
        guard let exits = simulatedStop(&tracked, pod: pod, now: now) else { return }
        if let killed = tracked.lifecycle.killed(current: tracked.current, at: now, exits: exits) {
            let events = tracked.terminating ? [] : killed.events
            for event in events { self.events.record(event, about: pod, at: now) }
            writeStatus(killed.status, tracked: tracked)
            tracked.current = killed
        }
        logs.endAll(namespace: tracked.namespace, pod: tracked.name)
        tracked.removing = true
        _ = try? store.delete(.pods, namespace: tracked.namespace, name: tracked.name,
                              options: DeleteOptions(gracePeriodSeconds: 0, preconditionUID: tracked.uid,
                                                     write: WriteOptions(user: Self.kubeletUser)))
    }

    /// The exits of a deleted pod's simulated containers, or nil while they are still stopping
    /// (`stop-delay`): Killing is recorded when stopping starts, and a stop that reaches the grace
    /// period ends in SIGKILL (exit 137).
    func simulatedStop(_ tracked: inout TrackedPod, pod: JSONObject, now: Date) -> [String: ContainerExit]? {
        var exits = tracked.exits
        let delay = tracked.lifecycle.script.stopDelay
        guard tracked.current?.phase == "Running", delay > .zero else { return exits }
        let grace = Double(pod["metadata"]?["deletionGracePeriodSeconds"]?.intValue ?? 30)
        let seconds = Double(delay / .milliseconds(1)) / 1000
        if tracked.stopsAt == nil {
            tracked.stopsAt = now.addingTimeInterval(min(seconds, grace))
            tracked.terminating = true
            for event in tracked.lifecycle.killed(current: tracked.current, at: now)?.events ?? [] {
                events.record(event, about: pod, at: now)
            }
        }
        if let stopsAt = tracked.stopsAt, now < stopsAt {
            tracked.nextAt = stopsAt
            return nil
        }
        if seconds >= grace {
            for c in tracked.lifecycle.containers where exits[c.name] == nil {
                exits[c.name] = ContainerExit(exitCode: 137, startedAt: tracked.lifecycle.startedAt, finishedAt: now)
            }
        }
        return exits
    }
}
