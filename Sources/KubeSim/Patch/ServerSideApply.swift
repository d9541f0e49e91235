import SluiceKube

/// Server-side apply: merge the applied configuration, refuse to take fields another manager set to a
/// different value (unless forced), drop fields this manager applied before but no longer does, and
/// record the manager's Apply entry in managedFields.
enum ServerSideApply {
    static func apply(live: JSONObject?, applied: JSONObject, manager: String, force: Bool, type: SimResource,
                      subresource: String?) throws(SimStatusError) -> JSONObject {
        let appliedSet = ManagedFields.fieldSet(.object(ManagedFields.ownable(applied, subresource: subresource)))
        var entries = live?["metadata"]?["managedFields"]?.arrayValue ?? []
        let liveValue = JSONValue.object(live ?? JSONObject())
        let appliedValue = JSONValue.object(applied)
        var conflicts: [(manager: String, apiVersion: String?, path: [String])] = []
        for path in ManagedFields.leaves(appliedSet) {
            let current = ManagedFields.value(liveValue, path)
            guard current != nil, current != ManagedFields.value(appliedValue, path) else { continue }
            for entry in entries where entry["manager"]?.stringValue != manager || entry["operation"]?.stringValue != "Apply" {
                if let set = entry["fieldsV1"]?.objectValue, ManagedFields.contains(set, path) {
                    let isUpdate = entry["operation"]?.stringValue == "Update"
                    conflicts.append((entry["manager"]?.stringValue ?? "", isUpdate ? entry["apiVersion"]?.stringValue : nil, path))
                }
            }
        }
        if !conflicts.isEmpty && !force { throw conflictError(type, live?.metadataString("name") ?? "", conflicts) }
        if force {
            entries = entries.map { entry in
                guard var e = entry.objectValue, var set = e["fieldsV1"]?.objectValue,
                      e["manager"]?.stringValue != manager || e["operation"]?.stringValue != "Apply" else { return entry }
                for c in conflicts where c.manager == e["manager"]?.stringValue { set = removing(set, c.path) }
                e["fieldsV1"] = .object(set)
                return .object(e)
            }
        }
        var merged = MergePatch.apply(liveValue, .object(applied), strategic: true).objectValue ?? JSONObject()
        let mine = entries.firstIndex { $0["manager"]?.stringValue == manager && $0["operation"]?.stringValue == "Apply" }
        if let mine, let previous = entries[mine]["fieldsV1"]?.objectValue {
            for path in ManagedFields.leaves(previous) where !ManagedFields.contains(appliedSet, path) {
                let ownedElsewhere = entries.enumerated().contains { i, e in
                    i != mine && (e["fieldsV1"]?.objectValue.map { ManagedFields.contains($0, path) } ?? false)
                }
                if !ownedElsewhere { merged = removingValue(merged, path) }
            }
        }
        let entry = ManagedFields.entry(manager: manager, operation: "Apply", type: type, fields: appliedSet, subresource: subresource)
        if let mine { entries[mine] = entry } else { entries.append(entry) }
        merged.setMetadata("managedFields", .array(entries))
        return merged
    }

    static func conflictError(_ type: SimResource, _ name: String, _ conflicts: [(manager: String, apiVersion: String?, path: [String])]) -> SimStatusError {
        func who(_ c: (manager: String, apiVersion: String?, path: [String])) -> String {
            "conflict with \"\(c.manager)\"" + (c.apiVersion.map { " using \($0)" } ?? "")
        }
        let message: String
        if conflicts.count == 1 {
            message = "Apply failed with 1 conflict: \(who(conflicts[0])): \(ManagedFields.display(conflicts[0].path))"
        } else {
            let lines = conflicts.map { "\(who($0)):\n- \(ManagedFields.display($0.path))" }
            message = "Apply failed with \(conflicts.count) conflicts: " + lines.joined(separator: "\n")
        }
        var details = SimStatusError.details(name: name, group: type.group, kind: type.plural)
        details["causes"] = .array(conflicts.map { c in
            .object(["reason": "FieldManagerConflict", "message": .string(who(c)), "field": .string(ManagedFields.display(c.path))])
        })
        return SimStatusError(code: 409, reason: "Conflict", message: message, details: details)
    }

    static func removing(_ set: JSONObject, _ path: [String]) -> JSONObject {
        guard let first = path.first else { return set }
        var out = set
        if path.count == 1 {
            out[first] = nil
        } else if let child = out[first]?.objectValue {
            let reduced = removing(child, Array(path.dropFirst()))
            out[first] = reduced.keys.allSatisfy({ $0 == "." }) ? nil : .object(reduced)
        }
        return out
    }

    /// Removes the value at a field path (only plain `f:` steps; keyed list items are left alone).
    static func removingValue(_ object: JSONObject, _ path: [String]) -> JSONObject {
        guard let first = path.first, first.hasPrefix("f:") else { return object }
        let key = String(first.dropFirst(2))
        var out = object
        if path.count == 1 {
            out[key] = nil
        } else if let child = out[key]?.objectValue {
            out[key] = .object(removingValue(child, Array(path.dropFirst())))
        }
        return out
    }
}
