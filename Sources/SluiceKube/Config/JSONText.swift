import Yams

/// Writes the small JSON documents the config needs (`KUBERNETES_EXEC_INFO`, an extension's config)
/// without depending on the JSON module.
enum JSONText {
    /// `text` as a quoted JSON string.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// An object from ordered members whose values are already JSON text; nil values are left out.
    static func object(_ members: [(String, String?)]) -> String {
        let written = members.compactMap { key, value in value.map { "\(quoted(key)):\($0)" } }
        return "{" + written.joined(separator: ",") + "}"
    }

    /// A YAML node as JSON, the way sigs.k8s.io/yaml converts it (numbers, booleans and null by their tag).
    static func from(_ node: Node) -> String {
        switch node {
        case .mapping(let mapping):
            let members = mapping.map { key, value in "\(quoted(key.string ?? "")):\(from(value))" }
            return "{" + members.joined(separator: ",") + "}"
        case .sequence(let items):
            return "[" + items.map(from).joined(separator: ",") + "]"
        case .scalar(let scalar):
            switch YAMLFields.tagName(node) {
            case .null: return "null"
            case .bool: return node.bool.map { $0 ? "true" : "false" } ?? quoted(scalar.string)
            case .int: return node.int.map { String($0) } ?? quoted(scalar.string)
            case .float: return node.float.flatMap { $0.isFinite ? String($0) : nil } ?? quoted(scalar.string)
            default: return quoted(scalar.string)
            }
        case .alias:
            return "null"
        }
    }
}
