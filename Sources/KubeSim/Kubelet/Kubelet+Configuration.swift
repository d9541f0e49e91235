import Foundation
import SluiceKube

/// Holding a pod whose ConfigMaps or Secrets are missing, and letting it start once they exist.
extension Kubelet {
    /// The pod cannot start: report it (again each retry interval, or when what is missing changes) and
    /// wait. A missing volume source keeps the pod ContainerCreating with FailedMount; a missing env source
    /// makes the container wait in CreateContainerConfigError after its image was pulled.
    func hold(_ tracked: inout TrackedPod, pod: JSONObject, problem: PodConfiguration.Problem, now: Date) {
        if tracked.heldSince == nil { tracked.heldSince = now }
        let retryDue = tracked.holdRetryAt.map { now >= $0 } ?? true
        if retryDue || tracked.holdProblem != problem {
            let lifecycle = tracked.lifecycle
            switch problem {
            case .mount(_, let message):
                events.record(SimEvent("Warning", reason: "FailedMount", message: message, host: lifecycle.nodeName),
                              about: pod, at: now)
            case .env(let container, let message):
                if !lifecycle.pulledBeforeHold {
                    for c in lifecycle.containers {
                        for var event in lifecycle.pullEvents(c) {
                            event.host = lifecycle.nodeName
                            events.record(event, about: pod, at: now)
                        }
                    }
                    tracked.lifecycle.pulledBeforeHold = true
                }
                let statuses = lifecycle.containers.map { c in
                    PodStatusDocument.containerStatus(c, state: .waiting(
                        reason: c.name == container ? "CreateContainerConfigError" : "ContainerCreating",
                        message: c.name == container ? message : nil))
                }
                writeStatus(lifecycle.withInitContainers(PodStage(kind: .creating, at: now, status: lifecycle.waitingStatus(statuses))).status,
                            tracked: tracked)
                for c in lifecycle.containers {
                    logs.waiting(namespace: tracked.namespace, pod: tracked.name, container: c.name,
                                 reason: c.name == container ? "CreateContainerConfigError" : "ContainerCreating")
                }
                // kuberuntime_container.go startContainer: "Error: " and the config error.
                events.record(SimEvent("Warning", reason: "Failed", message: "Error: \(message)",
                                       fieldPath: SimEvent.container(container), host: lifecycle.nodeName), about: pod, at: now)
            }
            tracked.holdRetryAt = now.adding(options.backoff.initial)
        }
        tracked.holdProblem = problem
        tracked.nextAt = tracked.holdRetryAt
    }

    /// A pod whose containers never started had its images changed (`kubectl set image` after an
    /// ErrImagePull): the kubelet pulls the new images at once, as the back-off is kept per image.
    func retryWithNewImages(_ tracked: inout TrackedPod, pod: JSONObject, now: Date) {
        let newImages = ContainerFacts.of(pod).map(\.image)
        guard newImages != tracked.lifecycle.containers.map(\.image),
              [.pullError, .pullBackOff].contains(tracked.current?.kind) else { return }
        var lifecycle = PodLifecycle(pod: pod, script: tracked.lifecycle.script, node: tracked.lifecycle.node,
                                     podIP: tracked.lifecycle.podIP, firstSeen: tracked.lifecycle.firstSeen,
                                     registry: images, backoff: options.backoff)
        lifecycle.activeDeadlineSeconds = tracked.lifecycle.activeDeadlineSeconds
        lifecycle.heldFor = max(0, now.timeIntervalSince(lifecycle.startedAt))
        let before = lifecycle.stages(until: now).prefix { [.accepted, .creating, .initializing].contains($0.kind) }.count
        tracked.lifecycle = lifecycle
        tracked.applied = before
        tracked.configReady = false
    }

    /// Everything is there now: the containers start from `now` on.
    func release(_ tracked: inout TrackedPod, now: Date) {
        tracked.lifecycle.heldFor = 0
        tracked.lifecycle.heldFor = max(0, now.timeIntervalSince(tracked.lifecycle.startedAt))
        tracked.heldSince = nil
        tracked.holdProblem = nil
        tracked.holdRetryAt = nil
    }
}
