import SluiceKube

/// Pods a controller makes from a pod template: the template's metadata and labels, a generated name,
/// and a controller owner reference (so deleting the owner collects them).
enum OwnedPod {
    static func make(from template: JSONObject, owner: JSONObject, apiVersion: String, kind: String, generateName: String,
                     labels extra: JSONObject = [:]) -> JSONObject {
        var meta = template["metadata"]?.objectValue ?? JSONObject()
        if !extra.isEmpty {
            var labels = meta["labels"]?.objectValue ?? JSONObject()
            for (key, value) in extra { labels[key] = value }
            meta["labels"] = .object(labels)
        }
        meta["name"] = nil
        meta["generateName"] = .string(generateName)
        meta["namespace"] = owner["metadata"]?["namespace"]
        meta["ownerReferences"] = [[
            "apiVersion": .string(apiVersion), "kind": .string(kind), "name": owner["metadata"]?["name"] ?? "",
            "uid": owner["metadata"]?["uid"] ?? "", "controller": true, "blockOwnerDeletion": true,
        ]]
        return ["apiVersion": "v1", "kind": "Pod", "metadata": .object(meta), "spec": template["spec"] ?? .object(JSONObject())]
    }
}
