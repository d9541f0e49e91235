import SluiceKube
import SluiceModel

/// Pod spec checks the OpenAPI schema cannot express (shared by pods and workload templates).
enum PodValidation {
    static func spec(_ spec: JSONValue?, path: String, restartPolicies: [String] = ["Always", "OnFailure", "Never"]) -> [FieldError] {
        var errors: [FieldError] = []
        let containers = spec?["containers"]?.arrayValue ?? []
        if containers.isEmpty { errors.append(.required("\(path).containers")) }
        var seen: Set<String> = []
        for (list, items) in [("initContainers", spec?["initContainers"]?.arrayValue ?? []), ("containers", containers)] {
            for (i, c) in items.enumerated() {
                let at = "\(path).\(list)[\(i)]"
                let name = c["name"]?.stringValue ?? ""
                if name.isEmpty {
                    errors.append(.required("\(at).name"))
                } else {
                    errors += NameRule.label.fieldErrors(name, path: "\(at).name")
                    if !seen.insert(name).inserted { errors.append(.duplicate("\(at).name", .string(name))) }
                }
                if (c["image"]?.stringValue ?? "").isEmpty { errors.append(.required("\(at).image")) }
                errors += resources(c["resources"], path: "\(at).resources")
            }
        }
        if let policy = spec?["restartPolicy"]?.stringValue, !restartPolicies.contains(policy) {
            errors.append(.notSupported("\(path).restartPolicy", .string(policy), restartPolicies))
        }
        return errors
    }

    /// Requests within limits; extended resources (`nvidia.com/gpu`) whole and with requests equal to limits.
    static func resources(_ resources: JSONValue?, path: String) -> [FieldError] {
        var errors: [FieldError] = []
        var parsed: [String: [String: Quantity]] = [:]
        for part in ["limits", "requests"] {
            for (name, value) in resources?[part]?.objectValue ?? JSONObject() {
                let field = "\(path).\(part)[\(name)]"
                let text = value.stringValue ?? value.intValue.map(String.init) ?? value.jsonText
                guard let q = try? Quantity(parsing: text) else {
                    errors.append(.invalid(field, .string(text), "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"))
                    continue
                }
                if q.milliValue < 0 { errors.append(.invalid(field, .string(text), "must be greater than or equal to 0")) }
                if isExtended(name), !q.isWhole { errors.append(.invalid(field, .string(text), "must be an integer")) }
                parsed[part, default: [:]][name] = q
            }
        }
        let limits = parsed["limits"] ?? [:]
        for (name, request) in (parsed["requests"] ?? [:]).sorted(by: { $0.key < $1.key }) {
            let field = "\(path).requests[\(name)]"
            if isExtended(name) {
                guard let limit = limits[name] else {
                    errors.append(.forbidden("\(path).limits", "Limit must be set for non overcommitable resources"))
                    continue
                }
                if limit != request { errors.append(.invalid(field, .string(request.canonical), "must be equal to \(name) limit of \(limit.canonical)")) }
            } else if let limit = limits[name], request > limit {
                errors.append(.invalid(field, .string(request.canonical), "must be less than or equal to \(name) limit of \(limit.canonical)"))
            }
        }
        return errors
    }

    /// Extended resources are those outside the kubernetes.io namespace with a domain (`nvidia.com/gpu`).
    static func isExtended(_ name: String) -> Bool {
        name.contains("/") && !name.hasPrefix("kubernetes.io/") && !name.hasPrefix("requests.") && !name.contains(".kubernetes.io/")
    }
}
