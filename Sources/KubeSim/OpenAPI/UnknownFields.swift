import HTTPTypes
import Hummingbird
import SluiceKube

/// Fields the kind's schema does not define are dropped, as decoding into the API types drops them;
/// `fieldValidation=Strict` refuses them instead and `Warn` (the default) names them in `Warning` headers
/// (k8s.io/apiserver/pkg/endpoints/handlers: "strict decoding error: unknown field \"spec.x\"").
struct FieldValidation {
    let mode: String

    init(_ query: RequestQuery) throws(SimStatusError) {
        mode = query["fieldValidation"].flatMap { $0.isEmpty ? nil : $0 } ?? "Warn"
        guard ["Ignore", "Warn", "Strict"].contains(mode) else {
            throw .badRequest("fieldValidation must be one of \"Ignore\", \"Warn\", or \"Strict\", got \"\(mode)\"")
        }
    }

    /// Prunes `object`; throws under Strict, else returns the warnings to send.
    func check(_ object: inout JSONObject, type: SimResource) throws(SimStatusError) -> [String] {
        guard let name = OpenAPIDocuments.definitionName(type), let schema = OpenAPIDocuments.definitions[name] else { return [] }
        var value = JSONValue.object(object)
        var unknown: [String] = []
        UnknownFields.prune(&value, schema: schema, path: "", found: &unknown)
        guard !unknown.isEmpty else { return [] }
        let messages = unknown.map { "unknown field \"\($0)\"" }
        if mode == "Strict" { throw .badRequest("strict decoding error: " + messages.joined(separator: ", ")) }
        if case .object(let pruned) = value { object = pruned }
        return mode == "Warn" ? messages : []
    }
}

enum UnknownFields {
    /// Removes from `value` what `schema` does not define, collecting each removed field's path.
    static func prune(_ value: inout JSONValue, schema: JSONValue, path: String, found: inout [String]) {
        let schema = resolved(schema)
        if schema["x-kubernetes-preserve-unknown-fields"] == true { return }
        switch value {
        case .object(var object):
            if let properties = schema["properties"]?.objectValue {
                for key in object.keys {
                    let child = path.isEmpty ? key : "\(path).\(key)"
                    if let property = properties[key] ?? schema["additionalProperties"].flatMap({ $0.objectValue != nil ? $0 : nil }) {
                        var inner = object[key] ?? .null
                        prune(&inner, schema: property, path: child, found: &found)
                        object[key] = inner
                    } else {
                        found.append(child)
                        object[key] = nil
                    }
                }
            } else if let additional = schema["additionalProperties"], additional.objectValue != nil {
                for key in object.keys {
                    var inner = object[key] ?? .null
                    prune(&inner, schema: additional, path: path.isEmpty ? key : "\(path).\(key)", found: &found)
                    object[key] = inner
                }
            }
            value = .object(object)
        case .array(var items):
            guard let itemSchema = schema["items"] else { return }
            for i in items.indices { prune(&items[i], schema: itemSchema, path: "\(path)[\(i)]", found: &found) }
            value = .array(items)
        default:
            break
        }
    }

    static func resolved(_ schema: JSONValue) -> JSONValue {
        guard let ref = schema["$ref"]?.stringValue, let name = ref.split(separator: "/").last,
              let target = OpenAPIDocuments.definitions[String(name)] else { return schema }
        return target
    }
}

extension HTTPReply {
    /// Adds one `Warning: 299 - "..."` header per message (RFC 7234, as the API server sends them).
    static func withWarnings(_ response: Response, _ warnings: [String]) -> Response {
        var response = response
        for warning in warnings {
            let escaped = warning.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            response.headers.append(HTTPField(name: HTTPField.Name("Warning")!, value: "299 - \"\(escaped)\""))
        }
        return response
    }
}
