import Foundation
import SluiceKube

/// The scheduler's half of the kubelet actor: registering nodes, binding pods that have no node, and
/// retrying those that fit nowhere when the cluster changes.
extension Kubelet {
    /// A pod the scheduler could not place, and the message it last reported.
    struct WaitingPod {
        let namespace: String
        let name: String
        let order: Int
        var message: String
    }

    /// Creates a Node object for each configured node that has none yet.
    nonisolated static func register(_ nodes: [SimulatedNode], in store: ObjectStore, at time: Date) {
        for node in nodes where store.get(.nodes, namespace: nil, name: node.name) == nil {
            _ = try? store.create(.nodes, namespace: nil, node.document(createdAt: time),
                                  options: WriteOptions(user: "system:node:\(node.name)"))
        }
    }

    /// The nodes as stored now (`kubectl label`, `taint` and `cordon` change what the scheduler sees).
    var clusterNodes: [SimulatedNode] {
        store.list(.nodes, namespace: nil).items.map { SimulatedNode(node: $0.object) }
    }

    /// Where a pod the kubelet has not started yet runs, or nil while it cannot run anywhere.
    /// A pod created with `spec.nodeName` skips the scheduler; one naming a node that does not exist
    /// stays Pending, as no kubelet picks it up.
    func placement(_ pod: JSONObject, uid: String, now: Date) -> SimulatedNode? {
        let nodes = clusterNodes
        if let name = pod["spec"]?["nodeName"]?.stringValue, !name.isEmpty {
            waiting[uid] = nil
            return nodes.first { $0.name == name }
        }
        // The script's own Unschedulable outcome keeps its stage-driven path.
        if scriptedUnschedulable(pod) { return nodes.first ?? options.nodes.first }
        switch Scheduler.decide(pod, nodes: nodes, used: usage(excluding: uid)) {
        case .bind(let node):
            waiting[uid] = nil
            return node
        case .gated:
            writeSchedulingGated(pod)
            return nil
        case .unschedulable(let message):
            recordUnschedulable(pod, uid: uid, message: message, now: now)
            return nil
        }
    }

    func scriptedUnschedulable(_ pod: JSONObject) -> Bool {
        var problems: [String] = []
        return PodScript(pod: pod, problems: &problems).outcome == .unschedulable
    }

    /// What the live pods bound to each node request: every pod not yet Succeeded or Failed counts,
    /// including those the kubelet has placed but not yet written `spec.nodeName` for.
    func usage(excluding uid: String) -> [String: ResourceAmounts] {
        // Once per pending pod per change: visit the store in place (no copy, no sort) and take each pod's
        // requests from a cache (a pod's requests do not change), or a 1,000-pod map turns quadratic.
        var live: [(node: String, uid: String, pod: JSONObject?)] = []
        store.forEach(.pods) { stored in
            guard stored.uid != uid else { return }
            let phase = stored.object["status"]?["phase"]?.stringValue
            if phase == "Succeeded" || phase == "Failed" { return }
            let node = stored.object["spec"]?["nodeName"]?.stringValue ?? ""
            let id = stored.uid ?? ""
            live.append((node, id, requestCache[id] == nil ? stored.object : nil))
        }
        var used: [String: ResourceAmounts] = [:]
        for (bound, id, pod) in live {
            var node = bound
            if node.isEmpty, let tracked = pods[id] { node = tracked.lifecycle.nodeName }
            if node.isEmpty { continue }
            let requests: ResourceAmounts
            if let cached = requestCache[id] {
                requests = cached
            } else {
                requests = pod.map { PodRequests.of($0) } ?? ResourceAmounts()
                if requestCache.count > 50_000 { requestCache.removeAll() }
                if !id.isEmpty { requestCache[id] = requests }
            }
            used[node, default: ResourceAmounts()] = used[node, default: ResourceAmounts()] + requests
        }
        return used
    }

    /// PodScheduled=False reason SchedulingGated, as the API server sets it on create, for pods written
    /// straight into the store.
    func writeSchedulingGated(_ pod: JSONObject) {
        let conditions = pod["status"]?["conditions"]?.arrayValue ?? []
        if conditions.contains(where: { $0["reason"]?.stringValue == "SchedulingGated" }) { return }
        let (namespace, name) = (pod["metadata"]?["namespace"]?.stringValue ?? "default", pod["metadata"]?["name"]?.stringValue ?? "")
        _ = try? store.modify(.pods, namespace: namespace, name: name, subresource: .status,
                              options: WriteOptions(user: "system:kube-scheduler")) { object in
            var status = object["status"]?.objectValue ?? ["phase": "Pending"]
            status["conditions"] = [["type": "PodScheduled", "status": "False", "lastProbeTime": nil, "lastTransitionTime": nil,
                                     "reason": "SchedulingGated", "message": .string(Defaults.schedulingGatedMessage)]]
            object["status"] = .object(status)
        }
    }

    /// PodScheduled=False reason Unschedulable with the FitError message, and a FailedScheduling event,
    /// each time the message changes (pkg/scheduler/schedule_one.go handleSchedulingFailure).
    func recordUnschedulable(_ pod: JSONObject, uid: String, message: String, now: Date) {
        let namespace = pod["metadata"]?["namespace"]?.stringValue ?? "default"
        let name = pod["metadata"]?["name"]?.stringValue ?? ""
        if let known = waiting[uid], known.message == message { return }
        let order = waiting[uid]?.order ?? waitingSeen
        waitingSeen += 1
        waiting[uid] = WaitingPod(namespace: namespace, name: name, order: order, message: message)
        _ = try? store.modify(.pods, namespace: namespace, name: name, subresource: .status,
                              options: WriteOptions(user: "system:kube-scheduler")) { object in
            guard object.metadataString("uid") == uid else { return }
            var status = object["status"]?.objectValue ?? ["phase": "Pending"]
            status["phase"] = "Pending"
            status["conditions"] = [PodStatusDocument.condition("PodScheduled", false, at: now, reason: "Unschedulable",
                                                                message: message)]
            object["status"] = .object(status)
        }
        events.record(SimEvent("Warning", reason: "FailedScheduling", message: message, component: "default-scheduler"),
                      about: pod, at: now)
    }

    /// Something that may free room or change placement happened: try the waiting pods again, oldest first.
    func retryWaiting(now: Date) {
        for pod in waiting.values.sorted(by: { $0.order < $1.order }) {
            reconcile(namespace: pod.namespace, name: pod.name, now: now)
        }
    }
}
