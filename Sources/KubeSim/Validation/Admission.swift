import SluiceKube

/// Defaulting and validation that run on every write, per resource type, as the real server's strategies do.
enum Admission {
    static func nameRule(_ type: SimResource) -> NameRule {
        switch type {
        case .services: return .dns1035
        case .namespaces: return .label
        default: return .subdomain
        }
    }

    /// Leases refuse unconditional updates.
    static func requiresResourceVersion(_ type: SimResource) -> Bool { type == .leases }

    /// Types whose metadata.generation counts spec changes.
    static func tracksGeneration(_ type: SimResource) -> Bool {
        [.deployments, .replicaSets, .pods, .jobs].contains(type)
    }

    /// The PUT body's name and namespace must agree with the path's.
    static func checkIdentity(_ type: SimResource, _ object: JSONObject, namespace: String?, name: String) throws(SimStatusError) {
        if let bodyName = object.metadataString("name"), bodyName != name {
            throw .badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        if type.namespaced, let ns = object.metadataString("namespace"), !ns.isEmpty, ns != namespace {
            throw .badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
    }

    static func prepareCreate(_ type: SimResource, _ object: inout JSONObject, namespace: String?) throws(SimStatusError) {
        try checkKind(type, object)
        object["apiVersion"] = .string(type.apiVersion)
        object["kind"] = .string(type.kind)
        var meta = object.metadata
        if type.namespaced {
            if let ns = meta["namespace"]?.stringValue, !ns.isEmpty, ns != namespace {
                throw .badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            meta["namespace"] = namespace.map(JSONValue.string)
        } else {
            meta["namespace"] = nil
        }
        let name = meta["name"]?.stringValue ?? ""
        if name.isEmpty {
            meta["name"] = nil
            if (meta["generateName"]?.stringValue ?? "").isEmpty {
                throw .invalid(type, "", [.required("metadata.name", "name or generateName is required")])
            }
        }
        meta["uid"] = .string(WallClock.uuid())
        meta["creationTimestamp"] = .string(WallClock.rfc3339())
        for key in ["resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"] { meta[key] = nil }
        if tracksGeneration(type) { meta["generation"] = 1 } else { meta["generation"] = nil }
        object.metadata = meta
        Defaults.apply(type, &object, creating: true)
        try validate(type, object, old: nil)
    }

    static func checkKind(_ type: SimResource, _ object: JSONObject) throws(SimStatusError) {
        if let kind = object["kind"]?.stringValue, !kind.isEmpty, kind != type.kind {
            throw .badRequest("the kind of the object (\(kind)) does not match the kind of the resource (\(type.kind))")
        }
    }

    static func prepareUpdate(_ type: SimResource, _ proposed: JSONObject, existing: StoredObject, subresource: Subresource) throws(SimStatusError) -> JSONObject {
        let old = existing.object
        var result: JSONObject
        if subresource == .status {
            result = old
            result["status"] = proposed["status"]
        } else {
            try checkKind(type, proposed)
            result = proposed
            result["apiVersion"] = old["apiVersion"]
            result["kind"] = old["kind"]
            var meta = result.metadata
            let oldMeta = old.metadata
            for key in ["name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"] {
                meta[key] = oldMeta[key]
            }
            if meta["managedFields"] == nil { meta["managedFields"] = oldMeta["managedFields"] }
            if tracksGeneration(type) {
                let generation = oldMeta["generation"]?.intValue ?? 1
                meta["generation"] = .int(result["spec"] == old["spec"] ? generation : generation + 1)
            }
            result.metadata = meta
            if type.hasStatus { result["status"] = old["status"] }
            Defaults.apply(type, &result, creating: false)
        }
        result.setMetadata("resourceVersion", .string(String(existing.resourceVersion)))
        // Status writes (the kubelet's, by the thousand) cannot make the spec invalid: skip its checks.
        if subresource == .status || result == old { return result }
        try validate(type, result, old: old)
        return result
    }

    static func validate(_ type: SimResource, _ object: JSONObject, old: JSONObject?) throws(SimStatusError) {
        var errors: [FieldError] = []
        let name = object.metadataString("name") ?? ""
        if old == nil {
            if !name.isEmpty {
                errors += nameRule(type).fieldErrors(name)
            } else if let base = object.metadataString("generateName") {
                errors += nameRule(type).fieldErrors(base + "abcde", path: "metadata.generateName")
            }
        }
        errors += LabelRules.labels(object["metadata"]?["labels"]?.objectValue, path: "metadata.labels")
        errors += LabelRules.annotations(object["metadata"]?["annotations"]?.objectValue, path: "metadata.annotations")
        switch type {
        case .pods:
            errors += PodValidation.spec(object["spec"], path: "spec")
            if let old { errors += PodUpdateRules.check(old: old["spec"], new: object["spec"]) }
        case .deployments: errors += WorkloadValidation.deployment(object)
        case .jobs: errors += WorkloadValidation.job(object)
        case .customResourceDefinitions: errors += CustomResources.validate(object)
        case .services: errors += WorkloadValidation.service(object)
        case .eventsV1: errors += WorkloadValidation.eventV1(object)
        default: break
        }
        if !errors.isEmpty { throw .invalid(type, name, errors) }
    }
}
