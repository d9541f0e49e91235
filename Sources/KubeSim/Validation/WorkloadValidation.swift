import SluiceKube

/// Checks for deployments, services and events.k8s.io events.
enum WorkloadValidation {
    static func deployment(_ object: JSONObject) -> [FieldError] {
        var errors: [FieldError] = []
        let spec = object["spec"]
        if let replicas = spec?["replicas"]?.intValue, replicas < 0 {
            errors.append(.invalid("spec.replicas", .int(replicas), "must be greater than or equal to 0"))
        }
        let selector = spec?["selector"]?.objectValue
        let templateLabels = spec?["template"]?["metadata"]?["labels"]?.objectValue ?? JSONObject()
        if selector == nil || selector!.isEmpty {
            errors.append(.required("spec.selector"))
        } else if !selectorMatches(selector!, labels: templateLabels) {
            errors.append(FieldError(kind: .invalid, field: "spec.template.metadata.labels", value: goMap(templateLabels),
                                     detail: "`selector` does not match template `labels`"))
        }
        errors += LabelRules.labels(templateLabels, path: "spec.template.metadata.labels")
        errors += PodValidation.spec(spec?["template"]?["spec"], path: "spec.template.spec", restartPolicies: ["Always"])
        return errors
    }

    /// pkg/apis/batch/validation: pods that end (OnFailure or Never), non-negative counts, a selector
    /// that matches the template.
    static func job(_ object: JSONObject) -> [FieldError] {
        var errors: [FieldError] = []
        let spec = object["spec"]
        for field in ["parallelism", "completions", "backoffLimit", "activeDeadlineSeconds"] {
            if let value = spec?[field]?.intValue, value < 0 {
                errors.append(.invalid("spec.\(field)", .int(value), "must be greater than or equal to 0"))
            }
        }
        let templateLabels = spec?["template"]?["metadata"]?["labels"]?.objectValue ?? JSONObject()
        if let selector = spec?["selector"]?.objectValue, !selectorMatches(selector, labels: templateLabels) {
            errors.append(FieldError(kind: .invalid, field: "spec.template.metadata.labels", value: goMap(templateLabels),
                                     detail: "`selector` does not match template `labels`"))
        }
        errors += PodValidation.spec(spec?["template"]?["spec"], path: "spec.template.spec", restartPolicies: ["OnFailure", "Never"])
        return errors
    }

    static func selectorMatches(_ selector: JSONObject, labels: JSONObject) -> Bool {
        var strings: [String: String] = [:]
        for (k, v) in labels { strings[k] = v.stringValue }
        for (k, v) in selector["matchLabels"]?.objectValue ?? JSONObject() where strings[k] != v.stringValue { return false }
        for expr in selector["matchExpressions"]?.arrayValue ?? [] {
            let key = expr["key"]?.stringValue ?? ""
            let values = Set((expr["values"]?.arrayValue ?? []).compactMap(\.stringValue))
            switch expr["operator"]?.stringValue {
            case "In": if !(strings[key].map(values.contains) ?? false) { return false }
            case "NotIn": if strings[key].map(values.contains) ?? false { return false }
            case "Exists": if strings[key] == nil { return false }
            case "DoesNotExist": if strings[key] != nil { return false }
            default: return false
            }
        }
        return true
    }

    /// Go's `%#v` of a map[string]string, as the real message prints it.
    static func goMap(_ labels: JSONObject) -> String {
        let pairs = labels.keys.sorted().map { "\"\($0)\":\"\(labels[$0]?.stringValue ?? "")\"" }
        return "map[string]string{\(pairs.joined(separator: ", "))}"
    }

    static func service(_ object: JSONObject) -> [FieldError] {
        var errors: [FieldError] = []
        let spec = object["spec"]
        let type = spec?["type"]?.stringValue ?? "ClusterIP"
        let types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
        if !types.contains(type) { errors.append(.notSupported("spec.type", .string(type), types)) }
        let ports = spec?["ports"]?.arrayValue ?? []
        if ports.isEmpty, type != "ExternalName", spec?["clusterIP"]?.stringValue != "None" {
            errors.append(.required("spec.ports"))
        }
        for (i, port) in ports.enumerated() {
            let number = port["port"]?.intValue ?? 0
            if !(1...65535).contains(number) {
                errors.append(.invalid("spec.ports[\(i)].port", .int(number), "must be between 1 and 65535, inclusive"))
            }
            if ports.count > 1, (port["name"]?.stringValue ?? "").isEmpty { errors.append(.required("spec.ports[\(i)].name")) }
        }
        return errors
    }

    static func eventV1(_ object: JSONObject) -> [FieldError] {
        var errors: [FieldError] = []
        for field in ["eventTime", "reportingController", "reportingInstance", "action", "reason"]
        where (object[field]?.stringValue ?? "").isEmpty {
            errors.append(.required(field))
        }
        return errors
    }
}
