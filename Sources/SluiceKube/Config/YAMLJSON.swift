import Yams

extension JSONValue {
    /// A YAML node as JSON, the way sigs.k8s.io/yaml converts it: numbers, booleans and null by their tag,
    /// everything else a string.
    init(yaml node: Node) {
        switch node {
        case .mapping(let mapping):
            var object = JSONObject()
            for (key, value) in mapping { object[key.string ?? ""] = JSONValue(yaml: value) }
            self = .object(object)
        case .sequence(let items):
            self = .array(items.map(JSONValue.init(yaml:)))
        case .scalar(let scalar):
            switch YAMLFields.tagName(node) {
            case .null: self = .null
            case .bool: self = node.bool.map(JSONValue.bool) ?? .string(scalar.string)
            case .int: self = node.int.map { .int(Int64($0)) } ?? .string(scalar.string)
            case .float: self = node.float.flatMap { $0.isFinite ? .double($0) : nil } ?? .string(scalar.string)
            default: self = .string(scalar.string)
            }
        case .alias:
            self = .null
        }
    }
}
