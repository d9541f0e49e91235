import SluiceKube

/// The discovery documents: /api, /apis, /apis/G, /api/v1 and /apis/G/V resource lists, /version.
enum Discovery {
    static func apiVersions(address: String) -> JSONObject {
        ["kind": "APIVersions", "versions": ["v1"],
         "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(address)]]]
    }

    static func groups(_ resources: [SimResource]) -> [String] {
        var seen: [String] = []
        for type in resources where !type.group.isEmpty && !seen.contains(type.group) { seen.append(type.group) }
        return seen
    }

    static func groupDocument(_ name: String, _ resources: [SimResource]) -> JSONObject {
        let versions = Array(Set(resources.filter { $0.group == name }.map(\.version))).sorted()
        let entries: [JSONValue] = versions.map { .object(["groupVersion": .string("\(name)/\($0)"), "version": .string($0)]) }
        return ["name": .string(name), "versions": .array(entries), "preferredVersion": entries.first ?? .null]
    }

    static func groupList(_ resources: [SimResource] = SimResource.all) -> JSONObject {
        ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups(resources).map { .object(groupDocument($0, resources)) })]
    }

    static func group(_ name: String, _ resources: [SimResource] = SimResource.all) -> JSONObject? {
        guard groups(resources).contains(name) else { return nil }
        var doc = groupDocument(name, resources)
        doc["kind"] = "APIGroup"
        doc["apiVersion"] = "v1"
        return doc
    }

    static func resourceList(group: String, version: String, _ resources: [SimResource] = SimResource.all) -> JSONObject? {
        let types = resources.filter { $0.group == group && $0.version == version }
        guard !types.isEmpty else { return nil }
        var resources: [JSONValue] = []
        for type in types {
            var verbs: [JSONValue] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
            if type == .selfSubjectAccessReviews { verbs = ["create"] }
            var entry: JSONObject = ["name": .string(type.plural), "singularName": .string(type.singular), "namespaced": .bool(type.namespaced),
                                     "kind": .string(type.kind), "verbs": .array(verbs)]
            if !type.shortNames.isEmpty { entry["shortNames"] = .array(type.shortNames.map(JSONValue.string)) }
            // `kubectl get all` lists the kinds in the `all` category.
            if [.pods, .services, .deployments, .replicaSets, .jobs].contains(type) { entry["categories"] = ["all"] }
            resources.append(.object(entry))
            for sub in type.subresources {
                let kind = sub == "scale" ? "Scale" : type.kind
                var subEntry: JSONObject = ["name": .string("\(type.plural)/\(sub)"), "singularName": "", "namespaced": .bool(type.namespaced),
                                            "kind": .string(kind), "verbs": sub == "log" ? ["get"] : ["get", "patch", "update"]]
                if sub == "scale" { subEntry["group"] = "autoscaling"; subEntry["version"] = "v1" }
                resources.append(.object(subEntry))
            }
        }
        return ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"),
                "resources": .array(resources)]
    }

    static let version: JSONObject = ["major": "1", "minor": "30", "gitVersion": "v1.30.0-kubesim", "gitCommit": "kubesim",
                                      "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.22.0",
                                      "compiler": "gc", "platform": "linux/amd64"]
}
