import Foundation
import SluiceKube

/// Init containers, simulated: the first runs while the pod is being created, and all have completed
/// when the app containers start (`--run-commands` does not run them).
extension PodLifecycle {
    /// `stage` with `initContainerStatuses`, and while they run the Initialized condition False and the
    /// app containers waiting in PodInitializing, as a kubelet reports it.
    func withInitContainers(_ stage: PodStage) -> PodStage {
        guard !initContainers.isEmpty, stage.status["containerStatuses"] != nil else { return stage }
        var stage = stage
        let initializing = stage.kind == .creating
        let statuses: [JSONValue] = initContainers.enumerated().map { i, c in
            if !initializing {
                let exit = ContainerExit(exitCode: 0, startedAt: scheduledAt, finishedAt: startedAt)
                return PodStatusDocument.containerStatus(c, state: .terminated(exit))
            }
            if i == 0, stage.kind == .creating {
                return PodStatusDocument.containerStatus(c, state: .running(startedAt: scheduledAt))
            }
            return PodStatusDocument.containerStatus(c, state: .waiting(reason: "PodInitializing", message: nil))
        }
        // The API writes initContainerStatuses just before containerStatuses.
        var ordered = JSONObject()
        for (key, value) in stage.status {
            if key == "containerStatuses" { ordered["initContainerStatuses"] = .array(statuses) }
            ordered[key] = value
        }
        stage.status = ordered
        guard initializing else { return stage }
        let names = initContainers.map(\.name).joined(separator: " ")
        stage.status["conditions"] = .array((stage.status["conditions"]?.arrayValue ?? []).map { condition in
            guard condition["type"]?.stringValue == "Initialized" else { return condition }
            return PodStatusDocument.condition("Initialized", false, at: scheduledAt, reason: "ContainersNotInitialized",
                                               message: "containers with incomplete status: [\(names)]")
        })
        stage.status["containerStatuses"] = .array(containers.map {
            PodStatusDocument.containerStatus($0, state: .waiting(reason: "PodInitializing", message: nil))
        })
        return stage
    }
}
