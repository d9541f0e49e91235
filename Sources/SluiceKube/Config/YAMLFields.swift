import Yams

/// Typed reads from one composed YAML mapping of a kubeconfig, with every failure naming the file,
/// the line and the key path (`users[dev].user.token`).
struct YAMLFields {
    let file: String
    /// The key path of this mapping; empty at the top of the file.
    let path: String
    let mapping: Node.Mapping

    /// The mapping at `node`; nil when the node is absent or null. Anything else is an error.
    init?(_ node: Node?, file: String, path: String) throws(KubeConfigError) {
        guard let node, !Self.isNull(node) else { return nil }
        guard case .mapping(let mapping) = node else {
            throw KubeConfigError(.invalid, file: file, line: Self.line(node), keyPath: path.isEmpty ? nil : path,
                                  "expected a mapping of keys to values, found \(Self.describe(node))")
        }
        self.file = file
        self.path = path
        self.mapping = mapping
    }

    func keyPath(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    func node(_ key: String) -> Node? {
        guard let node = mapping[key] else { return nil }
        return Self.isNull(node) ? nil : node
    }

    /// A string value; nil when absent or null. Numbers and booleans are refused as kubectl does (quote them).
    func string(_ key: String) throws(KubeConfigError) -> String? {
        guard let node = node(key) else { return nil }
        return try Self.string(node, file: file, keyPath: keyPath(key))
    }

    /// `true` or `false`; absent or null is false.
    func bool(_ key: String) throws(KubeConfigError) -> Bool {
        guard let node = node(key) else { return false }
        guard YAMLFields.tagName(node) == .bool, let value = node.bool else {
            throw error(key, node, "expected true or false, found \(Self.describe(node))")
        }
        return value
    }

    /// Base64 data (the `-data` fields); nil when absent, null or empty.
    func base64(_ key: String) throws(KubeConfigError) -> [UInt8]? {
        guard let text = try string(key), !text.isEmpty else { return nil }
        switch Base64.decode(text) {
        case .success(let bytes): return bytes
        case .failure(let failure):
            throw error(key, node(key), "expected base64 data, found \(failure.reason) at byte \(failure.offset)")
        }
    }

    /// A list of strings; empty when absent or null.
    func strings(_ key: String) throws(KubeConfigError) -> [String] {
        try sequence(key).enumerated().map { (index, item) throws(KubeConfigError) in
            try Self.string(item, file: file, keyPath: "\(keyPath(key))[\(index)]")
        }
    }

    /// The items of a list; empty when absent or null.
    func sequence(_ key: String) throws(KubeConfigError) -> [Node] {
        guard let node = node(key) else { return [] }
        guard case .sequence(let items) = node else {
            throw error(key, node, "expected a list, found \(Self.describe(node))")
        }
        return Array(items)
    }

    /// The nested mapping at `key`, read under the key path `as` (default: this path plus the key).
    func fields(_ key: String, as path: String? = nil) throws(KubeConfigError) -> YAMLFields? {
        try YAMLFields(mapping[key], file: file, path: path ?? keyPath(key))
    }

    func has(_ key: String) -> Bool {
        node(key) != nil
    }

    func error(_ key: String, _ node: Node?, _ message: String) -> KubeConfigError {
        KubeConfigError(.invalid, file: file, line: node.flatMap(Self.line) ?? Self.line(.mapping(mapping)),
                        keyPath: keyPath(key), message)
    }

    static func string(_ node: Node, file: String, keyPath: String) throws(KubeConfigError) -> String {
        guard case .scalar(let scalar) = node else {
            throw KubeConfigError(.invalid, file: file, line: line(node), keyPath: keyPath, "expected a string, found \(describe(node))")
        }
        switch YAMLFields.tagName(node) {
        case .int, .float, .bool:
            throw KubeConfigError(.invalid, file: file, line: line(node), keyPath: keyPath,
                                  "expected a string, found \(describe(node)) (put it in quotes)")
        default:
            return scalar.string
        }
    }

    /// The resolved tag (`str`, `int`, `bool`, `null`, ...); Yams keeps `Tag.name` internal.
    static func tagName(_ node: Node) -> Tag.Name {
        Tag.Name(rawValue: node.tag.rawValue)
    }

    static func line(_ node: Node) -> Int? {
        node.mark.map { $0.line }
    }

    static func isNull(_ node: Node) -> Bool {
        if case .scalar = node { return YAMLFields.tagName(node) == .null }
        return false
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar):
            switch YAMLFields.tagName(node) {
            case .int, .float: return "the number \(scalar.string)"
            case .bool: return "the boolean \(scalar.string)"
            case .null: return "null"
            default: return "the string \"\(scalar.string)\""
            }
        case .alias: return "an alias"
        }
    }
}
