import Foundation
import SluiceKube

/// A Deployment's `status` as the deployment controller writes it.
enum DeploymentStatusDocument {
    /// Counts from the deployment's current pods (`current`, of the template's hash) and its old ones still
    /// going away; conditions keep their times while their status and reason stay the same.
    static func make(deployment: JSONObject, wanted: Int, current: [JSONObject], oldCount: Int,
                     replicaSetName: String, now: Date) -> JSONObject {
        let ready = current.filter(DeploymentController.isReady).count
        let replicas = current.count + oldCount
        // Default strategy: maxUnavailable 25% (rounded down).
        let maxUnavailable = wanted / 4
        let available = ready
        var status: JSONObject = [:]
        status["observedGeneration"] = deployment["metadata"]?["generation"] ?? 1
        if replicas > 0 { status["replicas"] = .int(Int64(replicas)) }
        if !current.isEmpty { status["updatedReplicas"] = .int(Int64(current.count)) }
        if ready > 0 { status["readyReplicas"] = .int(Int64(ready)) }
        if available > 0 { status["availableReplicas"] = .int(Int64(available)) }
        if replicas - available > 0 { status["unavailableReplicas"] = .int(Int64(replicas - available)) }
        let previous = deployment["status"]?["conditions"]?.arrayValue ?? []
        let isAvailable = available >= wanted - maxUnavailable
        let availableCondition = condition(
            "Available", isAvailable, reason: isAvailable ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
            message: isAvailable ? "Deployment has minimum availability." : "Deployment does not have minimum availability.",
            previous: previous, now: now)
        let done = current.count == wanted && available >= wanted && oldCount == 0
        let progressing = condition(
            "Progressing", true, reason: done ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
            message: done ? "ReplicaSet \"\(replicaSetName)\" has successfully progressed."
                : "ReplicaSet \"\(replicaSetName)\" is progressing.",
            previous: previous, now: now)
        status["conditions"] = [availableCondition, progressing]
        return status
    }

    static func condition(_ type: String, _ value: Bool, reason: String, message: String, previous: [JSONValue],
                          now: Date) -> JSONValue {
        let old = previous.first { $0["type"]?.stringValue == type }
        let statusText = value ? "True" : "False"
        let sameStatus = old?["status"]?.stringValue == statusText
        let sameReason = sameStatus && old?["reason"]?.stringValue == reason && old?["message"]?.stringValue == message
        let stamp = KubeTime.json(now)
        return [
            "type": .string(type),
            "status": .string(statusText),
            "lastUpdateTime": sameReason ? old?["lastUpdateTime"] ?? stamp : stamp,
            "lastTransitionTime": sameStatus ? old?["lastTransitionTime"] ?? stamp : stamp,
            "reason": .string(reason),
            "message": .string(message),
        ]
    }
}
