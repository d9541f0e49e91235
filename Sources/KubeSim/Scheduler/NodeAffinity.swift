import SluiceKube

/// The NodeAffinity filter: `spec.nodeSelector` and required node affinity
/// (pkg/scheduler/framework/plugins/nodeaffinity, k8s.io/component-helpers/scheduling/corev1/nodeaffinity).
enum NodeAffinity {
    /// ErrReasonPod in nodeaffinity/node_affinity.go.
    static let reason = "node(s) didn't match Pod's node affinity/selector"

    static func matches(_ pod: JSONObject, node: SimulatedNode) -> Bool {
        let labels = node.allLabels
        for (key, value) in pod["spec"]?["nodeSelector"]?.objectValue ?? JSONObject() where labels[key] != value.stringValue {
            return false
        }
        let required = pod["spec"]?["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]
        guard let terms = required?["nodeSelectorTerms"]?.arrayValue else { return true }
        // Terms are ORed; the requirements inside one term are ANDed; a term without requirements matches nothing.
        return terms.contains { term in
            let expressions = term["matchExpressions"]?.arrayValue ?? []
            let fields = term["matchFields"]?.arrayValue ?? []
            if expressions.isEmpty && fields.isEmpty { return false }
            return expressions.allSatisfy { requirement($0, value: labels[$0["key"]?.stringValue ?? ""]) }
                && fields.allSatisfy { $0["key"]?.stringValue == "metadata.name" && requirement($0, value: node.name) }
        }
    }

    /// One node selector requirement against a label's value (nil when the node lacks the label).
    static func requirement(_ r: JSONValue, value: String?) -> Bool {
        let values = (r["values"]?.arrayValue ?? []).compactMap(\.stringValue)
        switch r["operator"]?.stringValue {
        case "In": return value.map(values.contains) ?? false
        case "NotIn": return value.map { !values.contains($0) } ?? true
        case "Exists": return value != nil
        case "DoesNotExist": return value == nil
        case "Gt", "Lt":
            guard let text = value, let have = Int64(text), values.count == 1, let want = Int64(values[0]) else { return false }
            return r["operator"]?.stringValue == "Gt" ? have > want : have < want
        default: return false
        }
    }
}

/// The TaintToleration filter (pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go):
/// a node with a NoSchedule or NoExecute taint the pod does not tolerate is filtered out.
enum TaintToleration {
    /// The first taint that keeps `pod` off the node, if any.
    static func untolerated(_ pod: JSONObject, node: SimulatedNode) -> NodeTaint? {
        let tolerations = pod["spec"]?["tolerations"]?.arrayValue ?? []
        return node.taints.first { taint in
            (taint.effect == "NoSchedule" || taint.effect == "NoExecute") && !tolerations.contains { tolerates($0, taint) }
        }
    }

    /// core/v1 Toleration.ToleratesTaint: matching effect (empty matches all), then Exists (empty key
    /// matches every key) or Equal on key and value.
    static func tolerates(_ toleration: JSONValue, _ taint: NodeTaint) -> Bool {
        let effect = toleration["effect"]?.stringValue ?? ""
        if !effect.isEmpty && effect != taint.effect { return false }
        let key = toleration["key"]?.stringValue ?? ""
        if !key.isEmpty && key != taint.key { return false }
        switch toleration["operator"]?.stringValue ?? "Equal" {
        case "Exists": return true
        case "Equal", "": return (toleration["value"]?.stringValue ?? "") == taint.value && !key.isEmpty
        default: return false
        }
    }

    /// `reason` as the plugin words it in v1.30.
    static func reason(_ taint: NodeTaint) -> String { "node(s) had untolerated taint {\(taint.key): \(taint.value)}" }
}
