import Foundation
import SluiceAPI
import SluiceEngine
import SluiceKube
import SluiceModel

/// An app's state as `apps status` shows it, read from its Deployment (conditions, rollout counts) and its pods
/// (readiness, restarts, and why a container is not running: crash loop, OOM, image pull errors).
enum KubeAppStatus {
    /// Waiting reasons that keep a container from starting at all (the image, or its configuration).
    static let startFailures: Set<String> = ["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull",
                                             "CreateContainerConfigError", "CreateContainerError", "RunContainerError"]

    /// The app's pods in the order `apps logs --replica N` counts them: oldest first, then by name.
    static func ordered(_ pods: [JSONObject]) -> [JSONObject] {
        pods.sorted { a, b in
            let (ta, tb) = (a.meta("creationTimestamp") ?? "", b.meta("creationTimestamp") ?? "")
            return ta != tb ? ta < tb : (a.meta("name") ?? "") < (b.meta("name") ?? "")
        }
    }

    static func view(name: String, spec: AppSpec, running: Bool, desired: Int, deployment: JSONObject?, pods: [JSONObject]) -> AppView {
        let replicas = ordered(pods).enumerated().map { replica($0.element, index: $0.offset) }
        let healthy = replicas.filter { $0.state == "healthy" }.count
        let status = deployment?["status"]?.objectValue ?? JSONObject()
        let conditions = status["conditions"]?.arrayValue ?? []
        func condition(_ type: String) -> JSONValue? { conditions.first { $0["type"]?.stringValue == type } }
        let stalled = condition("Progressing").flatMap { $0["status"]?.stringValue == "False" ? $0["message"]?.stringValue : nil }
        let replicaFailure = condition("ReplicaFailure").flatMap { $0["status"]?.stringValue == "True" ? $0["message"]?.stringValue : nil }
        let total = Int(status["replicas"]?.intValue ?? 0), updated = Int(status["updatedReplicas"]?.intValue ?? 0)
        let generation = deployment?["metadata"]?["generation"]?.intValue ?? 0
        let observed = status["observedGeneration"]?.intValue ?? generation
        let state: String
        if !running {
            state = "stopped"
        } else if desired == 0 && replicas.allSatisfy({ $0.state == "stopping" }) {
            // Scaled to zero (by hand, or idle): what is left is going.
            state = "idle"
        } else if replicas.contains(where: { $0.state == "crash-loop" }) {
            state = "crash-loop"
        } else if replicas.contains(where: { $0.state == "failing" }) || replicaFailure != nil {
            state = "failing"
        } else if deployment != nil && (observed < generation || total > updated) {
            // Pods of the old template still run beside (or instead of) the new ones.
            state = "updating"
        } else if healthy >= desired && desired > 0 {
            state = "healthy"
        } else if healthy > 0 {
            state = "degraded"
        } else {
            state = "starting"
        }
        var lastError = replicas.first { $0.state == "crash-loop" || $0.state == "failing" }?.lastExit
        if lastError == nil { lastError = replicaFailure ?? stalled }
        if lastError == nil, running, deployment == nil {
            lastError = "its Deployment is missing from the cluster (it is made again by the next deploy, start or server start)"
        }
        if lastError == nil { lastError = replicas.compactMap(\.lastExit).last }
        return AppView(name: name, state: state, running: running, replicas: desired, healthy: healthy,
                       restarts: replicas.reduce(0) { $0 + $1.restarts }, lastError: lastError, isPublic: spec.isPublic,
                       replicaStates: replicas)
    }

    /// One pod as a replica: its state, restarts and the reason its container last stopped or cannot start.
    static func replica(_ pod: JSONObject, index: Int) -> AppReplicaView {
        let status = pod["status"]?.objectValue ?? JSONObject()
        let containers = status["containerStatuses"]?.arrayValue ?? []
        let c = containers.first { $0["name"]?.stringValue == KubeAppPlan.container } ?? containers.first
        let waiting = c?["state"]?["waiting"]
        let waitingReason = waiting?["reason"]?.stringValue
        let ready = (status["conditions"]?.arrayValue ?? []).first { $0["type"]?.stringValue == "Ready" }
        var lastExit: String?
        if let reason = waitingReason, startFailures.contains(reason) {
            lastExit = waiting?["message"]?.stringValue.map { "\(reason): \($0)" } ?? reason
        } else if let t = c?["lastState"]?["terminated"] ?? c?["state"]?["terminated"] {
            lastExit = describe(t, limits: memoryLimit(pod))
        }
        let state: String
        if pod.meta("deletionTimestamp") != nil {
            state = "stopping"
        } else if waitingReason == "CrashLoopBackOff" {
            state = "crash-loop"
        } else if let reason = waitingReason, startFailures.contains(reason) {
            state = "failing"
        } else if c?["state"]?["terminated"] != nil {
            // Ended; the kubelet starts it again (restartPolicy Always), at once the first time.
            state = "restarting"
        } else if ready?["status"]?.stringValue == "True" {
            state = "healthy"
        } else {
            state = "starting"
        }
        var view = AppReplicaView(index: index, state: state, restarts: Int(c?["restartCount"]?.intValue ?? 0), lastExit: lastExit,
                                  healthySince: state == "healthy" ? ready?["lastTransitionTime"]?.stringValue : nil)
        view.pod = pod.meta("name")
        return view
    }

    /// "exited with code 3 (Error)", "OOMKilled: exited with code 137 (memory limit 64Mi)", with the termination
    /// message when there is one.
    static func describe(_ terminated: JSONValue, limits memory: String?) -> String {
        let code = terminated["exitCode"]?.intValue ?? 0
        let reason = terminated["reason"]?.stringValue
        var text: String
        if reason == "OOMKilled" {
            text = "OOMKilled: exited with code \(code)" + (memory.map { " (memory limit \($0))" } ?? "")
        } else {
            text = "exited with code \(code)" + (reason.map { " (\($0))" } ?? "")
        }
        if let message = terminated["message"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !message.isEmpty {
            text += ": " + String(message.prefix(200))
        }
        return text
    }

    static func memoryLimit(_ pod: JSONObject) -> String? {
        let containers = pod["spec"]?["containers"]?.arrayValue ?? []
        let c = containers.first { $0["name"]?.stringValue == KubeAppPlan.container } ?? containers.first
        return c?["resources"]?["limits"]?["memory"]?.stringValue
    }
}

extension JSONObject {
    /// `metadata.KEY` as a string.
    func meta(_ key: String) -> String? { self["metadata"]?[key]?.stringValue }

    /// `metadata.labels` as a map.
    var labelMap: [String: String] {
        var out: [String: String] = [:]
        for (k, v) in self["metadata"]?["labels"]?.objectValue ?? JSONObject() { if let s = v.stringValue { out[k] = s } }
        return out
    }
}
