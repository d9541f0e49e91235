import SluiceKube

/// RFC 7386 JSON merge patch, and the strategic variant that merges known lists by their key.
enum MergePatch {
    static func apply(_ target: JSONValue?, _ patch: JSONValue, strategic: Bool = false, field: String = "") -> JSONValue {
        if strategic, case .array(let items) = patch, let key = listKey(field), case .array(let current)? = target {
            return .array(mergeList(current, items, key: key))
        }
        guard case .object(let p) = patch else { return patch }
        var t = target?.objectValue ?? JSONObject()
        for (k, v) in p {
            if strategic, k == "$patch" { continue }
            if v.isNull { t[k] = nil } else { t[k] = apply(t[k], v, strategic: strategic, field: k) }
        }
        return .object(t)
    }

    /// The merge key of the lists the strategic merge treats as maps (by field name, as in the Kubernetes types).
    static func listKey(_ field: String) -> String? {
        switch field {
        case "containers", "initContainers", "ephemeralContainers", "env", "volumes", "imagePullSecrets", "envFrom": return "name"
        case "volumeMounts": return "mountPath"
        case "ownerReferences": return "uid"
        case "conditions": return "type"
        case "ports": return "*port"
        default: return nil
        }
    }

    static func mergeList(_ current: [JSONValue], _ patch: [JSONValue], key: String) -> [JSONValue] {
        var result = current
        func keyOf(_ item: JSONValue) -> JSONValue? {
            key == "*port" ? (item["containerPort"] ?? item["port"]) : item[key]
        }
        for item in patch {
            guard let k = keyOf(item) else { result.append(item); continue }
            let index = result.firstIndex { keyOf($0) == k }
            if item["$patch"]?.stringValue == "delete" {
                if let index { result.remove(at: index) }
            } else if let index {
                result[index] = apply(result[index], item, strategic: true)
            } else {
                result.append(apply(nil, item, strategic: true))
            }
        }
        return result
    }
}
