import Foundation
import SluiceKube

/// Image pulls against the simulated registry: InvalidImageName for a reference that does not parse,
/// ErrImagePull then ImagePullBackOff (retried with back-off, for ever) for one no registry has.
extension PodLifecycle {
    /// App containers whose image the registry does not have (or the script's `ImagePullBackOff` outcome).
    var missingImages: [ContainerFacts] {
        if script.outcome == .imagePullBackOff { return containers }
        return containers.filter { registry.lookup($0.image) == .missing }
    }

    /// pkg/kubelet/images/image_manager.go EnsureImageExists: applyDefaultImageTag fails, the kubelet
    /// records InspectFailed, and the container waits with reason InvalidImageName (never retried
    /// with success: the spec must change).
    func invalidImage() -> PodStage? {
        var problems: [(ContainerFacts, String)] = []
        for c in containers {
            if case .invalid(let why) = registry.lookup(c.image) {
                problems.append((c, "Failed to apply default image tag \"\(c.image)\": couldn't parse image reference \"\(c.image)\": \(why)"))
            }
        }
        guard !problems.isEmpty else { return nil }
        var statuses: [JSONValue] = []
        var events: [SimEvent] = []
        for c in containers {
            if let (_, message) = problems.first(where: { $0.0.name == c.name }) {
                statuses.append(PodStatusDocument.containerStatus(c, state: .waiting(reason: "InvalidImageName", message: message)))
                let field = SimEvent.container(c.name)
                events.append(SimEvent("Warning", reason: "InspectFailed", message: message, fieldPath: field))
                events.append(SimEvent("Warning", reason: "Failed", message: "Error: InvalidImageName", fieldPath: field))
            } else {
                statuses.append(PodStatusDocument.containerStatus(c, state: .waiting(reason: "ContainerCreating", message: nil)))
            }
        }
        return PodStage(kind: .pullError, at: startedAt, status: waitingStatus(statuses), events: events)
    }

    /// A failed pull at each attempt (ErrImagePull; Pulling, Failed, Failed) and a second later, until
    /// the next attempt, ImagePullBackOff (BackOff, Failed); attempts back off from 10 s to 5 min.
    func pullFailures(until horizon: Date?) -> [PodStage] {
        var stages: [PodStage] = []
        var attempt = startedAt
        var step: Duration?
        let missing = Set(missingImages.map(\.name))
        for _ in 0..<(horizon == nil ? 4 : 10_000) {
            step = backoff.next(after: step)
            let backOffAt = attempt.adding(min(.seconds(1), step! / 2))
            for (kind, at) in [(PodStage.Kind.pullError, attempt), (.pullBackOff, backOffAt)] {
                var statuses: [JSONValue] = []
                var events: [SimEvent] = []
                for c in containers {
                    guard missing.contains(c.name) else {
                        statuses.append(PodStatusDocument.containerStatus(c, state: .waiting(reason: "ContainerCreating", message: nil)))
                        continue
                    }
                    let field = SimEvent.container(c.name)
                    let pullError = "failed to pull and unpack image \"\(c.imageReference)\": failed to resolve reference "
                        + "\"\(c.imageReference)\": pull access denied, repository does not exist or may require "
                        + "authorization: server message: insufficient_scope: authorization failed"
                    if kind == .pullError {
                        statuses.append(PodStatusDocument.containerStatus(c, state: .waiting(reason: "ErrImagePull", message: pullError)))
                        events.append(SimEvent(reason: "Pulling", message: "Pulling image \"\(c.image)\"", fieldPath: field))
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
                stages.append(PodStage(kind: kind, at: at, status: waitingStatus(statuses), events: events))
            }
            // Stop after the first attempt past the horizon: the kubelet's timer waits for it.
            let generated = attempt
            attempt = attempt.adding(step!)
            if let horizon, generated > horizon { break }
        }
        return stages
    }

    /// A Pending pod on its node whose containers wait with these statuses.
    func waitingStatus(_ statuses: [JSONValue]) -> JSONObject {
        PodStatusDocument.status(
            phase: "Pending", conditions: notReadyConditions(sandboxAt: startedAt, readyAt: scheduledAt),
            node: boundNode, podIP: podIP, startTime: scheduledAt, containerStatuses: statuses, qosClass: qos)
    }
}
