import Foundation
import Yams

/// Reads and writes the config file's YAML. Every failure names the file, the line and the field
/// (`contexts[1].server`), as a mistake in a flow file does.
enum ContextConfigFile {
    static let topKeys: Set<String> = ["current-context", "contexts"]
    static let contextKeys: Set<String> = ["name", "server", "token", "token-file"]

    static func parse(_ text: String, path: String) throws -> ContextConfig {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch let error as YamlError {
            throw CLIError.input("\(path):\(line(of: error)): not valid YAML: \(error)")
        }
        guard let root, !isNull(root) else { return ContextConfig() }
        guard case .mapping(let top) = root else { throw problem(path, root, nil, "expected a mapping with current-context and contexts") }
        try checkKeys(top, allowed: topKeys, path: path, under: nil)
        var config = ContextConfig()
        if let node = top["current-context"], !isNull(node) { config.current = try string(node, path, "current-context") }
        if let node = top["contexts"], !isNull(node) {
            guard case .sequence(let items) = node else { throw problem(path, node, "contexts", "expected a list of contexts") }
            for (i, item) in items.enumerated() {
                let context = try parseContext(item, path: path, field: "contexts[\(i)]")
                if config.context(context.name) != nil {
                    throw problem(path, item, "contexts[\(i)].name", "a second context named '\(context.name)'")
                }
                config.contexts.append(context)
            }
        }
        if let current = config.current, config.context(current) == nil, let node = top["current-context"] {
            throw problem(path, node, "current-context", "no context named '\(current)' in contexts")
        }
        return config
    }

    private static func parseContext(_ node: Node, path: String, field: String) throws -> ContextConfig.Context {
        guard case .mapping(let m) = node else { throw problem(path, node, field, "expected a mapping with name and server") }
        try checkKeys(m, allowed: contextKeys, path: path, under: field)
        func value(_ key: String) throws -> String? {
            guard let n = m[key], !isNull(n) else { return nil }
            return try string(n, path, "\(field).\(key)")
        }
        guard let name = try value("name") else { throw problem(path, node, "\(field).name", "missing: every context has a name") }
        if let why = ContextConfig.nameProblem(name) { throw problem(path, m["name"] ?? node, "\(field).name", "'\(name)' \(why)") }
        guard let server = try value("server") else { throw problem(path, node, "\(field).server", "missing: context '\(name)' has no server URL") }
        if RemoteOptions.url(server) == nil {
            throw problem(path, m["server"] ?? node, "\(field).server", "'\(server)' is not a URL such as http://127.0.0.1:8470")
        }
        let token = try value("token"), tokenFile = try value("token-file")
        if token != nil && tokenFile != nil {
            throw problem(path, m["token-file"] ?? node, "\(field).token-file", "give token or token-file, not both")
        }
        return .init(name: name, server: server, token: token, tokenFile: tokenFile, line: line(node))
    }

    /// The file's text: strings double-quoted (JSON escapes are YAML escapes), in a fixed order.
    static func render(_ config: ContextConfig) -> String {
        var lines = ["# sluice contexts, written by `sluice config`. Tokens here are secrets: keep this file mode 0600."]
        if let current = config.current { lines.append("current-context: \(quoted(current))") }
        lines.append(config.contexts.isEmpty ? "contexts: []" : "contexts:")
        for c in config.contexts {
            lines.append("  - name: \(quoted(c.name))")
            lines.append("    server: \(quoted(c.server))")
            if let t = c.token { lines.append("    token: \(quoted(t))") }
            if let f = c.tokenFile { lines.append("    token-file: \(quoted(f))") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the file at mode 0600 (its folder 0700), replacing it atomically.
    static func save(_ config: ContextConfig, to path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CLIError.input("cannot create \(folder) for the sluice config file: \(error.localizedDescription)")
        }
        let temporary = path + ".tmp-\(getpid())"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CLIError.input("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = Array(render(config).utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count, rename(temporary, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temporary)
            throw CLIError.input("cannot write \(path): \(why)")
        }
    }

    // MARK: Reading nodes

    private static func checkKeys(_ m: Node.Mapping, allowed: Set<String>, path: String, under: String?) throws {
        for (key, _) in m {
            guard let k = key.string, allowed.contains(k) else {
                let name = key.string ?? "\(key)"
                let expected = allowed.sorted().joined(separator: ", ")
                throw problem(path, key, under.map { "\($0).\(name)" } ?? name, "unknown key '\(name)'; expected one of \(expected)")
            }
        }
    }

    private static func string(_ node: Node, _ path: String, _ field: String) throws -> String {
        guard case .scalar(let s) = node else { throw problem(path, node, field, "expected text") }
        return s.string
    }

    private static func isNull(_ node: Node) -> Bool {
        if case .scalar(let s) = node { return s.style == .plain && ["", "~", "null", "Null", "NULL"].contains(s.string) }
        return false
    }

    private static func line(_ node: Node) -> Int { node.mark?.line ?? 1 }

    private static func line(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: 1
        }
    }

    private static func problem(_ path: String, _ node: Node, _ field: String?, _ message: String) -> CLIError {
        CLIError.input("\(path):\(line(node)): \(field.map { "\($0): " } ?? "")\(message)")
    }

    private static func quoted(_ text: String) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.withoutEscapingSlashes]
        return (try? String(decoding: e.encode(text), as: UTF8.self)) ?? "\"\""
    }
}
