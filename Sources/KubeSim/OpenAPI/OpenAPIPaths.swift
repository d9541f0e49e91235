import SluiceKube

/// The path items of one resource in an OpenAPI document: list and create on the collection; get,
/// replace, patch and delete on an object; each operation tagged with its kind and action.
enum OpenAPIPaths {
    static func items(_ type: SimResource, v3: Bool) -> [(String, JSONValue)] {
        guard let definition = OpenAPIDocuments.definitionName(type) else { return [] }
        let prefix = type.group.isEmpty ? "/api/\(type.version)" : "/apis/\(type.group)/\(type.version)"
        let scope = type.namespaced ? "\(prefix)/namespaces/{namespace}/\(type.plural)" : "\(prefix)/\(type.plural)"
        let gvk: JSONValue = ["group": .string(type.group), "version": .string(type.version), "kind": .string(type.kind)]
        let pathParams: [String] = type.namespaced ? ["namespace"] : []
        func op(_ action: String, _ verb: String, _ query: [String], path: [String], body: Bool) -> JSONValue {
            var o: JSONObject = ["operationId": .string("\(verb)\(type.kind)"), "x-kubernetes-action": .string(action),
                                 "x-kubernetes-group-version-kind": gvk]
            var parameters: [JSONValue] = path.map { param($0, in: "path", v3: v3) } + query.map { param($0, in: "query", v3: v3) }
            let ref: JSONValue = ["$ref": .string(v3 ? "#/components/schemas/\(definition)" : "#/definitions/\(definition)")]
            if body {
                if v3 {
                    o["requestBody"] = ["content": ["*/*": ["schema": ref]], "required": true]
                } else {
                    parameters.append(["name": "body", "in": "body", "required": true, "schema": ref])
                }
            }
            o["parameters"] = .array(parameters)
            o["responses"] = v3 ? ["200": ["description": "OK", "content": ["application/json": ["schema": ref]]]]
                                : ["200": ["description": "OK", "schema": ref]]
            return .object(o)
        }
        let write = ["dryRun", "fieldManager", "fieldValidation"]
        if type == .selfSubjectAccessReviews {
            return [(scope, ["post": op("post", "create", write, path: [], body: true)])]
        }
        let collection: JSONObject = ["get": op("list", "list", ["labelSelector", "fieldSelector", "limit", "continue", "watch"], path: pathParams, body: false),
                                      "post": op("post", "create", write, path: pathParams, body: true)]
        let object: JSONObject = ["get": op("get", "read", [], path: pathParams + ["name"], body: false),
                                  "put": op("put", "replace", write, path: pathParams + ["name"], body: true),
                                  "patch": op("patch", "patch", write + ["force"], path: pathParams + ["name"], body: true),
                                  "delete": op("delete", "delete", ["dryRun", "gracePeriodSeconds", "propagationPolicy"],
                                               path: pathParams + ["name"], body: false)]
        return [(scope, .object(collection)), ("\(scope)/{name}", .object(object))]
    }

    static func param(_ name: String, in place: String, v3: Bool) -> JSONValue {
        let type = ["limit", "gracePeriodSeconds"].contains(name) ? "integer" : ["watch", "force"].contains(name) ? "boolean" : "string"
        var p: JSONObject = ["name": .string(name), "in": .string(place)]
        if place == "path" { p["required"] = true }
        if v3 { p["schema"] = ["type": .string(type)] } else { p["type"] = .string(type) }
        p["uniqueItems"] = true
        return .object(p)
    }
}
