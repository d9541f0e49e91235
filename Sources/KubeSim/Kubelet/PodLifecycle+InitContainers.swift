import Foundation
import SluiceKube

/// Init containers, simulated: each runs in turn for one start-delay after the pod is scheduled, and the
/// app containers start once all have completed. An init container given a non-zero
/// `kubesim.sluice.dev/exit-code.<name>` fails: under restartPolicy Never the pod fails; otherwise the
/// kubelet restarts it with the crash-loop back-off and the pod stays Pending (Init:CrashLoopBackOff).
/// `--run-commands` does not run them.
extension PodLifecycle {
    /// How long each init container runs.
    var initStep: TimeInterval { max(0.001, Double(script.startDelay / .milliseconds(1)) / 1000) }
    func initStart(_ i: Int) -> Date { scheduledAt.addingTimeInterval(Double(i) * initStep) }
    func initEnd(_ i: Int) -> Date { initStart(i + 1) }
    /// Time taken by the init containers before the app containers start.
    var initTime: TimeInterval { Double(initContainers.count) * initStep }

    /// The first init container that exits non-zero, and its exit code.
    var initFailure: (index: Int, exitCode: Int32)? {
        for (i, c) in initContainers.enumerated() {
            if let code = script.containerExitCodes[c.name], code != 0 { return (i, code) }
        }
        return nil
    }

    /// One stage as each init container after the first starts (the first starts with `creating`).
    func initStages(through last: Int) -> [PodStage] {
        guard last >= 1 else { return [] }
        return (1...last).map { i in
            PodStage(kind: .initializing, at: initStart(i), status: creating().status,
                     events: startEvents(initContainers[i]).map { var e = $0; e.fieldPath = "spec.initContainers{\(initContainers[i].name)}"; return e })
        }
    }

    /// The failing init container's end: the pod fails (Never), or it restarts with back-off for good.
    func initFailureStages(_ failure: (index: Int, exitCode: Int32), until horizon: Date?) -> [PodStage] {
        let c = initContainers[failure.index]
        var stages: [PodStage] = []
        var runStart = initStart(failure.index)
        var restartCount = 0
        var step: Duration?
        for _ in 0..<(horizon == nil ? 3 : 100_000) {
            let end = runStart.addingTimeInterval(initStep)
            let exit = ContainerExit(exitCode: failure.exitCode, message: terminationMessage(c, exitCode: failure.exitCode),
                                     startedAt: runStart, finishedAt: end)
            if restartPolicy == "Never" {
                stages.append(initStage(.ended, at: end, phase: "Failed", failed: failure.index,
                                        state: .terminated(exit), last: nil, restarts: 0, events: []))
                return stages
            }
            let nextStart: Date
            if let current = step {
                let message = "back-off \(KubeletBackoff.goString(current)) restarting failed container=\(c.name) pod=\(name)_\(namespace)(\(uid))"
                let event = SimEvent("Warning", reason: "BackOff",
                                     message: "Back-off restarting failed container \(c.name) in pod \(name)_\(namespace)(\(uid))",
                                     fieldPath: "spec.initContainers{\(c.name)}")
                stages.append(initStage(.ended, at: end, phase: "Pending", failed: failure.index,
                                        state: .waiting(reason: "CrashLoopBackOff", message: message), last: .terminated(exit),
                                        restarts: restartCount, events: [event]))
                nextStart = end.adding(current)
            } else {
                stages.append(initStage(.ended, at: end, phase: "Pending", failed: failure.index, state: .terminated(exit),
                                        last: nil, restarts: restartCount, events: []))
                nextStart = end
            }
            step = backoff.next(after: step)
            restartCount += 1
            let events = startEvents(c).map { var e = $0; e.fieldPath = "spec.initContainers{\(c.name)}"; return e }
            stages.append(initStage(.initializing, at: nextStart, phase: "Pending", failed: failure.index,
                                    state: .running(startedAt: nextStart), last: .terminated(exit), restarts: restartCount, events: events))
            runStart = nextStart
            if let horizon, nextStart > horizon { break }
        }
        return stages
    }

    /// A pod stuck at init container `failed`, which is in `state`.
    func initStage(_ kind: PodStage.Kind, at: Date, phase: String, failed: Int, state: PodStatusDocument.ContainerState,
                   last: PodStatusDocument.ContainerState?, restarts: Int, events: [SimEvent]) -> PodStage {
        let initStatuses: [JSONValue] = initContainers.enumerated().map { i, c in
            if i < failed {
                return PodStatusDocument.containerStatus(c, state: .terminated(ContainerExit(exitCode: 0, startedAt: initStart(i), finishedAt: initEnd(i))))
            }
            if i == failed { return PodStatusDocument.containerStatus(c, state: state, lastState: last, restartCount: restarts) }
            return PodStatusDocument.containerStatus(c, state: .waiting(reason: "PodInitializing", message: nil))
        }
        let appStatuses = containers.map { PodStatusDocument.containerStatus($0, state: .waiting(reason: "PodInitializing", message: nil)) }
        let pending = initContainers[failed...].map(\.name).joined(separator: " ")
        var conditions = notReadyConditions(sandboxAt: scheduledAt, readyAt: scheduledAt)
        conditions[1] = PodStatusDocument.condition("Initialized", false, at: scheduledAt, reason: "ContainersNotInitialized",
                                                    message: "containers with incomplete status: [\(pending)]")
        if phase == "Failed" {
            conditions[0] = PodStatusDocument.condition("PodReadyToStartContainers", false, at: at)
            conditions[2] = PodStatusDocument.condition("Ready", false, at: at, reason: "PodFailed")
            conditions[3] = PodStatusDocument.condition("ContainersReady", false, at: at, reason: "PodFailed")
        }
        var status = PodStatusDocument.status(phase: phase, conditions: conditions, node: boundNode, podIP: podIP,
                                              startTime: scheduledAt, containerStatuses: appStatuses, qosClass: qos)
        status = Self.withInitStatuses(status, initStatuses)
        return PodStage(kind: kind, at: at, status: status, events: events)
    }

    /// `stage` with `initContainerStatuses` as they stand at its time, and while they run the Initialized
    /// condition False and the app containers waiting in PodInitializing, as a kubelet reports it.
    func withInitContainers(_ stage: PodStage) -> PodStage {
        guard !initContainers.isEmpty, stage.status["containerStatuses"] != nil, stage.status["initContainerStatuses"] == nil else {
            return stage
        }
        var stage = stage
        let initializing = stage.at < startedAt.addingTimeInterval(-heldFor) && (stage.kind == .creating || stage.kind == .initializing)
        let statuses: [JSONValue] = initContainers.enumerated().map { i, c in
            if !initializing || stage.at >= initEnd(i) {
                let exit = ContainerExit(exitCode: 0, startedAt: initStart(i), finishedAt: initEnd(i))
                return PodStatusDocument.containerStatus(c, state: .terminated(exit))
            }
            if stage.at >= initStart(i) { return PodStatusDocument.containerStatus(c, state: .running(startedAt: initStart(i))) }
            return PodStatusDocument.containerStatus(c, state: .waiting(reason: "PodInitializing", message: nil))
        }
        stage.status = Self.withInitStatuses(stage.status, statuses)
        guard initializing else { return stage }
        let pending = initContainers.enumerated().filter { stage.at < initEnd($0.offset) }.map(\.element.name).joined(separator: " ")
        stage.status["conditions"] = .array((stage.status["conditions"]?.arrayValue ?? []).map { condition in
            guard condition["type"]?.stringValue == "Initialized" else { return condition }
            return PodStatusDocument.condition("Initialized", false, at: scheduledAt, reason: "ContainersNotInitialized",
                                               message: "containers with incomplete status: [\(pending)]")
        })
        stage.status["containerStatuses"] = .array(containers.map {
            PodStatusDocument.containerStatus($0, state: .waiting(reason: "PodInitializing", message: nil))
        })
        return stage
    }

    /// `status` with `initContainerStatuses` just before `containerStatuses`, where the API writes it.
    static func withInitStatuses(_ status: JSONObject, _ initStatuses: [JSONValue]) -> JSONObject {
        var ordered = JSONObject()
        for (key, value) in status {
            if key == "containerStatuses" { ordered["initContainerStatuses"] = .array(initStatuses) }
            ordered[key] = value
        }
        return ordered
    }
}
