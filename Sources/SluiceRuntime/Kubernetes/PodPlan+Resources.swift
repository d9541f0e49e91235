import SluiceEngine
import SluiceKube
import SluiceModel

/// Requests and limits, accelerators, and where the pod may be scheduled.
extension PodPlan {
    static let gpuResource = "nvidia.com/gpu"

    /// The task container's `resources`, or nil when the task asks for none. A resource given only as a request
    /// or only as a limit is both (a predictable pod: Guaranteed when everything is set one way); a GPU is
    /// always requested and limited alike, as Kubernetes requires of extended resources.
    static func resources(_ spec: AttemptSpec) throws(BackendError) -> JSONObject? {
        try resources(spec.resources, owner: "task '\(spec.task.name)'")
    }

    /// The `resources` of a container asking for `r` (a task's or an app's); `owner` names it in errors.
    static func resources(_ r: Resources, owner: String) throws(BackendError) -> JSONObject? {
        var requests = JSONObject(), limits = JSONObject()
        let pairs: [(String, Quantity?, Quantity?)] = [
            ("cpu", r.requests.cpu, r.limits.cpu), ("memory", r.requests.memory, r.limits.memory),
            ("ephemeral-storage", r.requests.ephemeralStorage, r.limits.ephemeralStorage),
        ]
        for (name, request, limit) in pairs {
            guard let value = request ?? limit else { continue }
            let cap = limit ?? value
            if cap < value {
                throw BackendError("\(owner): resources.limits.\(name == "ephemeral-storage" ? "ephemeral_storage" : name) (\(cap)) is below the request (\(value))",
                                   kind: .user)
            }
            requests[name] = .string(value.canonical)
            limits[name] = .string(cap.canonical)
        }
        if let gpu = try gpuCount(r, owner: owner) {
            requests[gpuResource] = .string(String(gpu))
            limits[gpuResource] = .string(String(gpu))
        }
        if requests.isEmpty { return nil }
        return ["requests": .object(requests), "limits": .object(limits)]
    }

    /// Whole GPUs the task asks for (nil for none): request and limit must agree, and a GPU is not divisible.
    static func gpuCount(_ spec: AttemptSpec) throws(BackendError) -> Int128? {
        try gpuCount(spec.resources, owner: "task '\(spec.task.name)'")
    }

    static func gpuCount(_ r: Resources, owner: String) throws(BackendError) -> Int128? {
        if let a = r.requests.gpu, let b = r.limits.gpu, a != b {
            throw BackendError("\(owner): resources.requests.gpu (\(a)) and resources.limits.gpu (\(b)) differ; Kubernetes needs them equal",
                               kind: .user)
        }
        guard let gpu = r.limits.gpu ?? r.requests.gpu, gpu.milliValue > 0 else { return nil }
        guard let whole = gpu.wholeValue else {
            throw BackendError("\(owner): resources gpu \(gpu) is not a whole number of GPUs", kind: .user)
        }
        return whole
    }

    /// Node selector, affinity and tolerations from the node's `placement`, the task's accelerator, GPUs, and,
    /// for an interruptible attempt (never the last one), the cluster's spot settings. The flow's placement wins
    /// a node-selector clash with the spot selector; a pod template's own entries are kept.
    static func applyPlacement(_ podSpec: inout JSONObject, _ spec: AttemptSpec, settings: KubePodSettings) throws(BackendError) {
        var selector = podSpec["nodeSelector"]?.objectValue ?? JSONObject()
        var tolerations = podSpec["tolerations"]?.arrayValue ?? []
        if spec.interruptible {
            for (k, v) in settings.interruptibleNodeSelector.sorted(by: { $0.key < $1.key }) { selector[k] = .string(v) }
            tolerations += settings.interruptibleTolerations
        }
        let placement = spec.placement ?? Placement()
        for (k, v) in (placement.nodeSelector ?? [:]).sorted(by: { $0.key < $1.key }) { selector[k] = .string(v) }
        if let host = placement.node {
            if let problem = RunLabels.problem(key: "kubernetes.io/hostname", value: host) {
                throw BackendError("task '\(spec.task.name)': placement.node '\(host)' is not a node name: \(problem)", kind: .user)
            }
            selector["kubernetes.io/hostname"] = .string(host)
        }
        tolerations += (placement.tolerations ?? []).map(json)
        var affinity = podSpec["affinity"]?.objectValue ?? JSONObject()
        if let a = placement.affinity.map(json)?.objectValue {
            for (k, v) in a { affinity[k] = v }
        }
        try addAcceleratorPlacement(&affinity, &tolerations, spec.resources, owner: "task '\(spec.task.name)'", settings: settings)
        if !selector.isEmpty { podSpec["nodeSelector"] = .object(selector) }
        if !affinity.isEmpty { podSpec["affinity"] = .object(affinity) }
        if !tolerations.isEmpty { podSpec["tolerations"] = .array(dedupe(tolerations)) }
    }

    /// What an accelerator (`resources.accelerator`: required node affinity on the cluster's accelerator label and
    /// a toleration for it) and GPUs (a toleration of the GPU taint) add to a pod's placement.
    static func addAcceleratorPlacement(_ affinity: inout JSONObject, _ tolerations: inout [JSONValue], _ r: Resources, owner: String,
                                        settings: KubePodSettings) throws(BackendError) {
        if let accelerator = r.accelerator {
            if let problem = RunLabels.problem(key: settings.acceleratorLabel, value: accelerator) {
                throw BackendError("\(owner): resources.accelerator '\(accelerator)' cannot be matched to a node label: \(problem)", kind: .user)
            }
            requireNodeLabel(&affinity, key: settings.acceleratorLabel, value: accelerator)
            tolerations.append(["key": .string(settings.acceleratorLabel), "operator": "Equal", "value": .string(accelerator), "effect": "NoSchedule"])
        }
        if try gpuCount(r, owner: owner) != nil {
            tolerations.append(["key": .string(gpuResource), "operator": "Exists", "effect": "NoSchedule"])
        }
    }

    /// ANDs `key In [value]` into every required node-selector term (adding one term when there is none).
    static func requireNodeLabel(_ affinity: inout JSONObject, key: String, value: String) {
        let expression: JSONValue = ["key": .string(key), "operator": "In", "values": [.string(value)]]
        var nodeAffinity = affinity["nodeAffinity"]?.objectValue ?? JSONObject()
        var required = nodeAffinity["requiredDuringSchedulingIgnoredDuringExecution"]?.objectValue ?? JSONObject()
        var terms = required["nodeSelectorTerms"]?.arrayValue ?? []
        if terms.isEmpty { terms = [["matchExpressions": []]] }
        for i in terms.indices {
            var term = terms[i].objectValue ?? JSONObject()
            term["matchExpressions"] = .array((term["matchExpressions"]?.arrayValue ?? []) + [expression])
            terms[i] = .object(term)
        }
        required["nodeSelectorTerms"] = .array(terms)
        nodeAffinity["requiredDuringSchedulingIgnoredDuringExecution"] = .object(required)
        affinity["nodeAffinity"] = .object(nodeAffinity)
    }

    static func dedupe(_ values: [JSONValue]) -> [JSONValue] {
        var seen = Set<JSONValue>()
        return values.filter { seen.insert($0).inserted }
    }
}
