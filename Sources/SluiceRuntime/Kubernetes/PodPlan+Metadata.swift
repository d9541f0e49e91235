import SluiceEngine
import SluiceKube
import SluiceModel

/// The pod's name, labels and annotations.
extension PodPlan {
    /// Labels a backend selects on (`sluice.dev/*`, values label-safe) over the task's and node's labels over the
    /// run's (`settings.runLabels`), and annotations with the exact run and node ids over the task's annotations:
    /// ours win a clash, so a flow cannot make a pod look like another attempt's.
    static func metadata(_ spec: AttemptSpec, settings: KubePodSettings, name: String) -> JSONObject {
        var labels = settings.runLabels
        for (k, v) in spec.labels { labels[k] = v }
        for (k, v) in sluiceLabels(spec, settings: settings) { labels[k] = v }
        var annotations = spec.task.annotations
        annotations[runIDAnnotation] = spec.runID
        annotations[nodeIDAnnotation] = spec.ref.node
        if let step = spec.step { annotations["sluice.dev/step-name"] = step }
        var meta: JSONObject = ["name": .string(name), "namespace": .string(settings.namespace)]
        meta["labels"] = object(labels)
        meta["annotations"] = object(annotations)
        return meta
    }

    static func sluiceLabels(_ spec: AttemptSpec, settings: KubePodSettings) -> [String: String] {
        var labels = [managedLabel: "true", runLabel: KubeName.labelValue(spec.runID), nodeLabel: KubeName.labelValue(spec.ref.node),
                      attemptLabel: String(spec.ref.attempt), purposeLabel: spec.ref.purpose == .revert ? "revert" : "run"]
        if !settings.storeID.isEmpty { labels[storeLabel] = KubeName.labelValue(settings.storeID) }
        if let flow = settings.flowName, !flow.isEmpty { labels[flowLabel] = KubeName.labelValue(flow) }
        if let step = spec.step, !step.isEmpty { labels[stepLabel] = KubeName.labelValue(step) }
        return labels
    }

    /// A JSON object with the map's keys in sorted order, so rendered pods are stable byte for byte.
    static func object(_ map: [String: String]) -> JSONValue {
        var out = JSONObject()
        for (k, v) in map.sorted(by: { $0.key < $1.key }) { out[k] = .string(v) }
        return .object(out)
    }

    /// A flow value (a raw pod template, affinity or toleration) as JSON.
    static func json(_ value: LiteralValue) -> JSONValue {
        switch value {
        case .int(let i): .int(Int64(i))
        case .float(let d): .double(d)
        case .string(let s), .datetime(let s), .blob(let s): .string(s)
        case .bool(let b): .bool(b)
        case .none: .null
        case .duration(let d): .string(d.description)
        case .list(let items): .array(items.map(json))
        case .map(let entries):
            .object(entries.sorted { $0.key < $1.key }.reduce(into: JSONObject()) { $0[$1.key] = json($1.value) })
        }
    }
}
