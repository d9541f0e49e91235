import SluiceKube

/// What the scheduler decides for one pod.
public enum SchedulingDecision: Sendable, Equatable {
    /// `spec.schedulingGates` is not empty: the pod waits, PodScheduled=False reason SchedulingGated.
    case gated
    /// Bind to this node.
    case bind(SimulatedNode)
    /// No node fits: the FitError message for the PodScheduled condition and the FailedScheduling event.
    case unschedulable(String)
}

/// kube-scheduler's filters over the simulated nodes, in the default profile's order (NodeUnschedulable,
/// TaintToleration, NodeAffinity, NodeResourcesFit); a node fails on its first failing filter. Among
/// the nodes that fit, the least allocated wins (ties go to the first by name).
public enum Scheduler {
    /// Why one node was filtered out: its reasons, and whether preemption could help (`Unschedulable`)
    /// or not (`UnschedulableAndUnresolvable`).
    struct NodeFailure {
        var reasons: [String]
        var resolvable: Bool
    }

    /// Decides for `pod` given the nodes and what the pods already bound to each one request.
    public static func decide(_ pod: JSONObject, nodes: [SimulatedNode], used: [String: ResourceAmounts]) -> SchedulingDecision {
        if !(pod["spec"]?["schedulingGates"]?.arrayValue ?? []).isEmpty { return .gated }
        // ErrNoNodesAvailable in pkg/scheduler/schedule_one.go.
        if nodes.isEmpty { return .unschedulable("no nodes available to schedule pods") }
        let request = PodRequests.of(pod)
        var failures: [NodeFailure] = []
        var best: (node: SimulatedNode, score: Double)?
        for node in nodes.sorted(by: { $0.name < $1.name }) {
            let usage = used[node.name] ?? ResourceAmounts()
            if let failure = filter(pod, request: request, node: node, used: usage) {
                failures.append(failure)
                continue
            }
            let score = freeShare(request: request, node: node, used: usage)
            if best == nil || score > best!.score { best = (node, score) }
        }
        if let best { return .bind(best.node) }
        return .unschedulable(message(failures, nodeCount: nodes.count, pod: pod))
    }

    static func filter(_ pod: JSONObject, request: ResourceAmounts, node: SimulatedNode, used: ResourceAmounts) -> NodeFailure? {
        // nodeunschedulable/node_unschedulable.go: ErrReasonUnschedulable, unless the pod tolerates the cordon taint.
        if node.unschedulable {
            let cordon = NodeTaint(key: "node.kubernetes.io/unschedulable", effect: "NoSchedule")
            let tolerations = pod["spec"]?["tolerations"]?.arrayValue ?? []
            if !tolerations.contains(where: { TaintToleration.tolerates($0, cordon) }) {
                return NodeFailure(reasons: ["node(s) were unschedulable"], resolvable: false)
            }
        }
        if let taint = TaintToleration.untolerated(pod, node: node) {
            return NodeFailure(reasons: [TaintToleration.reason(taint)], resolvable: false)
        }
        if !NodeAffinity.matches(pod, node: node) { return NodeFailure(reasons: [NodeAffinity.reason], resolvable: false) }
        let reasons = insufficient(request: request, allocatable: ResourceAmounts(node.capacity), used: used)
        return reasons.isEmpty ? nil : NodeFailure(reasons: reasons, resolvable: true)
    }

    /// noderesources/fit.go fitsRequest: "Too many pods" first, then every resource the pod asks for more
    /// of than is left, cpu, memory and ephemeral-storage before extended resources.
    static func insufficient(request: ResourceAmounts, allocatable: ResourceAmounts, used: ResourceAmounts) -> [String] {
        var reasons: [String] = []
        if used["pods"] + request["pods"] > allocatable["pods"] { reasons.append("Too many pods") }
        let standard = ["cpu", "memory", "ephemeral-storage"]
        let extended = request.milli.keys.filter { !standard.contains($0) && $0 != "pods" }.sorted()
        for name in standard + extended {
            let wanted = request[name]
            if wanted > 0 && wanted > allocatable[name] - used[name] { reasons.append("Insufficient \(name)") }
        }
        return reasons
    }

    /// The share of cpu and memory left after placing the pod (LeastAllocated scoring).
    static func freeShare(request: ResourceAmounts, node: SimulatedNode, used: ResourceAmounts) -> Double {
        let allocatable = ResourceAmounts(node.capacity)
        var share = 0.0
        for name in ["cpu", "memory"] where allocatable[name] > 0 {
            share += Double(allocatable[name] - used[name] - request[name]) / Double(allocatable[name])
        }
        return share
    }

    /// framework.FitError.Error() (pkg/scheduler/framework/types.go): `0/N nodes are available: ` and a
    /// sorted histogram of reasons, then the DefaultPreemption PostFilter's own message in the same shape
    /// (pkg/scheduler/framework/preemption/preemption.go; with no lower-priority pods there are never victims).
    static func message(_ failures: [NodeFailure], nodeCount: Int, pod: JSONObject) -> String {
        func histogram(_ reasons: [String]) -> String {
            var counts: [String: Int] = [:]
            for reason in reasons { counts[reason, default: 0] += 1 }
            return counts.map { "\($0.value) \($0.key)" }.sorted().joined(separator: ", ")
        }
        var text = "0/\(nodeCount) nodes are available: \(histogram(failures.flatMap(\.reasons)))."
        if pod["spec"]?["preemptionPolicy"]?.stringValue == "Never" {
            return text + " preemption: not eligible due to preemptionPolicy=Never."
        }
        let preemption = failures.map { $0.resolvable ? "No preemption victims found for incoming pod"
                                                      : "Preemption is not helpful for scheduling" }
        text += " preemption: 0/\(nodeCount) nodes are available: \(histogram(preemption))."
        return text
    }
}
