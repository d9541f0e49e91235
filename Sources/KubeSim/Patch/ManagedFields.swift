import SluiceKube

/// `metadata.managedFields` bookkeeping: FieldsV1 sets (`{"f:spec":{"f:replicas":{}}}`) per manager and operation.
enum ManagedFields {
    /// The FieldsV1 set of every field in `value` (lists of named items keyed `k:{"name":"x"}`).
    static func fieldSet(_ value: JSONValue, field: String = "") -> JSONObject {
        switch value {
        case .object(let o):
            var set = JSONObject()
            for (k, v) in o { set["f:\(k)"] = .object(fieldSet(v, field: k)) }
            return set
        case .array(let items):
            guard let key = MergePatch.listKey(field) else { return JSONObject() }
            var set = JSONObject()
            for item in items {
                guard let k = itemKey(item, key) else { return JSONObject() }
                var child = fieldSet(item)
                child = prependDot(child)
                set[k] = .object(child)
            }
            return set
        default:
            return JSONObject()
        }
    }

    static func prependDot(_ set: JSONObject) -> JSONObject {
        var out: JSONObject = [".": .object([:])]
        for (k, v) in set { out[k] = v }
        return out
    }

    static func itemKey(_ item: JSONValue, _ key: String) -> String? {
        let name = key == "*port" ? (item["containerPort"] != nil ? "containerPort" : "port") : key
        guard let value = item[name] else { return nil }
        return "k:" + JSONValue.object([name: value]).jsonText
    }

    /// The part of an object a manager can own: no identity fields; status only through the status subresource.
    static func ownable(_ object: JSONObject, subresource: String?) -> JSONObject {
        var o = object
        for key in ["apiVersion", "kind"] { o[key] = nil }
        if subresource == "status" {
            return ["status": o["status"] ?? .object([:])]
        }
        o["status"] = nil
        var meta = JSONObject()
        for key in ["labels", "annotations", "finalizers", "ownerReferences"] { meta[key] = o["metadata"]?[key] }
        o["metadata"] = meta.isEmpty ? nil : .object(meta)
        return o
    }

    /// The set of fields of `new` that differ from `old`.
    static func changed(_ old: JSONValue?, _ new: JSONValue, field: String = "") -> JSONObject? {
        if old == new { return nil }
        switch new {
        case .object(let o):
            var set = JSONObject()
            for (k, v) in o {
                if let child = changed(old?[k], v, field: k) { set["f:\(k)"] = .object(child) }
            }
            return set.isEmpty && old?.objectValue != nil ? nil : set
        case .array(let items):
            guard let key = MergePatch.listKey(field), case .array(let before)? = old else { return fieldSet(new, field: field) }
            var set = JSONObject()
            for item in items {
                guard let k = itemKey(item, key) else { return fieldSet(new, field: field) }
                let previous = before.first { itemKey($0, key) == k }
                if let child = changed(previous, item) { set[k] = .object(previous == nil ? prependDot(child) : child) }
            }
            return set
        default:
            return JSONObject()
        }
    }

    /// Adds or extends the entry of `manager` for an Update (or the given operation) with the fields it changed.
    static func record(_ object: inout JSONObject, old: JSONObject?, manager: String, operation: String, type: SimResource, subresource: String?) {
        let newPart = ownable(object, subresource: subresource)
        let oldPart = old.map { ownable($0, subresource: subresource) }
        guard let fields = changed(oldPart.map(JSONValue.object), .object(newPart)), !fields.isEmpty else { return }
        var entries = (old?["metadata"]?["managedFields"]?.arrayValue ?? object["metadata"]?["managedFields"]?.arrayValue ?? [])
        if old == nil { entries = [] }
        let index = entries.firstIndex { $0["manager"]?.stringValue == manager && $0["operation"]?.stringValue == operation
            && $0["subresource"]?.stringValue == subresource }
        let merged = index.flatMap { entries[$0]["fieldsV1"]?.objectValue }.map { union($0, fields) } ?? fields
        let entry = self.entry(manager: manager, operation: operation, type: type, fields: merged, subresource: subresource)
        if let index { entries[index] = entry } else { entries.append(entry) }
        object.setMetadata("managedFields", .array(entries))
    }

    static func entry(manager: String, operation: String, type: SimResource, fields: JSONObject, subresource: String?) -> JSONValue {
        var e: JSONObject = ["manager": .string(manager), "operation": .string(operation), "apiVersion": .string(type.apiVersion),
                             "time": .string(WallClock.rfc3339()), "fieldsType": "FieldsV1", "fieldsV1": .object(fields)]
        if let subresource { e["subresource"] = .string(subresource) }
        return .object(e)
    }

    static func union(_ a: JSONObject, _ b: JSONObject) -> JSONObject {
        var out = a
        for (k, v) in b {
            if let existing = out[k]?.objectValue, let add = v.objectValue { out[k] = .object(union(existing, add)) } else { out[k] = v }
        }
        return out
    }

    /// Leaf paths of a set, each a list of `f:`/`k:` tokens.
    static func leaves(_ set: JSONObject, prefix: [String] = []) -> [[String]] {
        var out: [[String]] = []
        for (k, v) in set where k != "." {
            let child = v.objectValue ?? JSONObject()
            let path = prefix + [k]
            if child.keys.allSatisfy({ $0 == "." }) { out.append(path) } else { out += leaves(child, prefix: path) }
        }
        return out
    }

    static func contains(_ set: JSONObject, _ path: [String]) -> Bool {
        var current = set
        for token in path {
            guard let next = current[token]?.objectValue else { return false }
            current = next
        }
        return true
    }

    /// `.spec.template.spec.containers[name="c"].image`
    static func display(_ path: [String]) -> String {
        path.map { token in
            if token.hasPrefix("f:") { return "." + token.dropFirst(2) }
            if token.hasPrefix("k:"), case .object(let o)? = try? JSONValue.parse(String(token.dropFirst(2))) {
                return "[" + o.map { "\($0.key)=\($0.value.jsonText)" }.joined(separator: ",") + "]"
            }
            return token
        }.joined()
    }

    /// The value at a token path in an object, following keyed list items.
    static func value(_ object: JSONValue, _ path: [String]) -> JSONValue? {
        var current: JSONValue? = object
        for token in path {
            if token.hasPrefix("f:") {
                current = current?[String(token.dropFirst(2))]
            } else if token.hasPrefix("k:"), case .object(let key)? = try? JSONValue.parse(String(token.dropFirst(2))) {
                current = current?.arrayValue?.first { item in key.allSatisfy { item[$0.key] == $0.value } }
            } else {
                return current
            }
        }
        return current
    }
}
