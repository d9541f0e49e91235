import Foundation
import SluiceKube

/// The pod columns of `kubectl get pods` (printPod in pkg/printers/internalversion/printers.go).
enum PodPrinter {
    typealias Column = ServerTable.Column

    static var printer: ([Column], ServerTable.Cells) {
        (
        [ServerTable.nameColumn,
         Column(name: "Ready", description: "The aggregate readiness state of this pod for accepting traffic."),
         Column(name: "Status", description: "The aggregate status of the containers in this pod."),
         Column(name: "Restarts", description: "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
         ServerTable.ageColumn,
         Column(name: "IP", description: "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", priority: 1),
         Column(name: "Node", description: "NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.", priority: 1),
         Column(name: "Nominated Node", description: "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.", priority: 1),
         Column(name: "Readiness Gates", description: "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates", priority: 1)],
        { pod, now in cells(pod, now: now) })
    }

    static func cells(_ pod: JSONObject, now: Date) -> [JSONValue] {
        let status = pod["status"]
        let statuses = status?["containerStatuses"]?.arrayValue ?? []
        let total = pod["spec"]?["containers"]?.arrayValue?.count ?? 0
        var restarts: Int64 = 0
        var lastRestart: Date?
        for s in statuses {
            restarts += s["restartCount"]?.intValue ?? 0
            if let finished = s["lastState"]?["terminated"]?["finishedAt"]?.stringValue.flatMap(KubeTime.parse),
               lastRestart.map({ finished > $0 }) ?? true { lastRestart = finished }
        }
        var restartText = String(restarts)
        if restarts > 0, let lastRestart { restartText += " (\(ServerTable.humanDuration(now.timeIntervalSince(lastRestart))) ago)" }
        let ready = statuses.filter { $0["ready"] == true && $0["state"]?["running"] != nil }.count
        let gates = (pod["spec"]?["readinessGates"]?.arrayValue ?? []).compactMap { $0["conditionType"]?.stringValue }
        var gateText = "<none>"
        if !gates.isEmpty {
            let conditions = status?["conditions"]?.arrayValue ?? []
            let met = gates.filter { gate in conditions.contains { $0["type"]?.stringValue == gate && $0["status"] == "True" } }.count
            gateText = "\(met)/\(gates.count)"
        }
        let podIP = status?["podIP"]?.stringValue ?? ""
        let node = pod["spec"]?["nodeName"]?.stringValue ?? ""
        let nominated = status?["nominatedNodeName"]?.stringValue ?? ""
        return [ServerTable.name(pod), .string("\(ready)/\(total)"), .string(reason(pod)), .string(restartText),
                ServerTable.age(pod, now: now), .string(podIP.isEmpty ? "<none>" : podIP), .string(node.isEmpty ? "<none>" : node),
                .string(nominated.isEmpty ? "<none>" : nominated), .string(gateText)]
    }

    /// The STATUS column: the phase or the pod's reason, an init container's progress, the last
    /// container's waiting or terminated reason, `Completed`/`Running`, `Terminating`.
    static func reason(_ pod: JSONObject) -> String {
        let status = pod["status"]
        var reason = status?["phase"]?.stringValue ?? "Pending"
        if let r = status?["reason"]?.stringValue, !r.isEmpty { reason = r }
        if let gated = status?["conditions"]?.arrayValue?.first(where: { $0["reason"] == "SchedulingGated" }), gated["status"] == "False" {
            reason = "SchedulingGated"
        }
        let initStatuses = status?["initContainerStatuses"]?.arrayValue ?? []
        var initializing = false
        for (i, s) in initStatuses.enumerated() {
            if let t = s["state"]?["terminated"], t["exitCode"]?.intValue == 0 { continue }
            initializing = true
            if let t = s["state"]?["terminated"] {
                let r = t["reason"]?.stringValue ?? ""
                reason = !r.isEmpty ? "Init:" + r
                    : t["signal"]?.intValue.map { "Init:Signal:\($0)" } ?? "Init:ExitCode:\(t["exitCode"]?.intValue ?? 0)"
            } else if let w = s["state"]?["waiting"]?["reason"]?.stringValue, !w.isEmpty, w != "PodInitializing" {
                reason = "Init:" + w
            } else {
                reason = "Init:\(i)/\(initStatuses.count)"
            }
            break
        }
        if !initializing {
            var hasRunning = false
            for s in (status?["containerStatuses"]?.arrayValue ?? []).reversed() {
                if let w = s["state"]?["waiting"]?["reason"]?.stringValue, !w.isEmpty {
                    reason = w
                } else if let t = s["state"]?["terminated"] {
                    let r = t["reason"]?.stringValue ?? ""
                    reason = !r.isEmpty ? r
                        : t["signal"]?.intValue.map { "Signal:\($0)" } ?? "ExitCode:\(t["exitCode"]?.intValue ?? 0)"
                } else if s["ready"] == true, s["state"]?["running"] != nil {
                    hasRunning = true
                }
            }
            if reason == "Completed", hasRunning {
                let ready = status?["conditions"]?.arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "True" } ?? false
                reason = ready ? "Running" : "NotReady"
            }
        }
        if pod["metadata"]?["deletionTimestamp"] != nil {
            reason = status?["reason"]?.stringValue == "NodeLost" ? "Unknown" : "Terminating"
        }
        return reason
    }
}
