import SluiceKube

/// What an update may change in a pod's spec, as the real API server allows: container and init-container
/// images, activeDeadlineSeconds, additions to tolerations, terminationGracePeriodSeconds from negative
/// to 1, removal of scheduling gates, and the node once (binding). Everything else is fixed at creation.
enum PodUpdateRules {
    static let message = "pod updates may not change fields other than `spec.containers[*].image`,"
        + "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
        + "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"

    static func check(old: JSONValue?, new: JSONValue?) -> [FieldError] {
        guard var before = old?.objectValue, var after = new?.objectValue else { return [] }
        for key in ["containers", "initContainers"] {
            before[key] = withoutImages(before[key])
            after[key] = withoutImages(after[key])
        }
        before["activeDeadlineSeconds"] = nil
        after["activeDeadlineSeconds"] = nil
        let oldTolerations = before["tolerations"]?.arrayValue ?? []
        let newTolerations = after["tolerations"]?.arrayValue ?? []
        if oldTolerations.allSatisfy({ newTolerations.contains($0) }) {
            before["tolerations"] = nil
            after["tolerations"] = nil
        }
        if let was = before["terminationGracePeriodSeconds"]?.intValue, was < 0, after["terminationGracePeriodSeconds"]?.intValue == 1 {
            before["terminationGracePeriodSeconds"] = nil
            after["terminationGracePeriodSeconds"] = nil
        }
        // Scheduling gates may only be removed (validation.go validateSchedulingGates).
        let oldGates = before["schedulingGates"]?.arrayValue ?? []
        var errors: [FieldError] = []
        for gate in after["schedulingGates"]?.arrayValue ?? [] where !oldGates.contains(gate) {
            errors.append(.forbidden("spec.schedulingGates",
                                     "only deletion is allowed, but found new scheduling gate '\(gate["name"]?.stringValue ?? "")'"))
        }
        before["schedulingGates"] = nil
        after["schedulingGates"] = nil
        if (before["nodeName"]?.stringValue ?? "").isEmpty {
            before["nodeName"] = nil
            after["nodeName"] = nil
        }
        return before == after ? errors : errors + [.forbidden("spec", message)]
    }

    static func withoutImages(_ containers: JSONValue?) -> JSONValue? {
        guard let list = containers?.arrayValue else { return containers }
        return .array(list.map { container in
            guard var c = container.objectValue else { return container }
            c["image"] = nil
            return .object(c)
        })
    }
}
