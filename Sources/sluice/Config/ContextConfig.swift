import Foundation

/// The CLI's config file (`$XDG_CONFIG_HOME/sluice/config.yaml`): named contexts, each a server and how to get
/// its token, and the current one, as kubectl keeps clusters. Mode 0600: a context may hold a token.
struct ContextConfig: Equatable {
    /// One named server.
    struct Context: Equatable {
        var name: String
        var server: String
        /// The token itself (`set-context --token-stdin`).
        var token: String?
        /// A file holding the token, read at each use (`set-context --token-file`).
        var tokenFile: String?
        /// The line of the file this context starts on, for errors about it; 0 when not read from a file.
        var line = 0
    }

    var current: String?
    var contexts: [Context] = []

    func context(_ name: String) -> Context? { contexts.first { $0.name == name } }

    /// Adds `context`, or replaces the one of the same name in place.
    mutating func set(_ context: Context) {
        if let i = contexts.firstIndex(where: { $0.name == context.name }) { contexts[i] = context } else { contexts.append(context) }
    }

    /// Where the file lives: `$XDG_CONFIG_HOME/sluice/config.yaml`, else `~/.config/sluice/config.yaml`.
    static var path: String {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return xdg + "/sluice/config.yaml" }
        let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.config/sluice/config.yaml"
    }

    /// The file at `path`; an empty config when there is none. A file that does not parse is an input error
    /// naming the file, the line and the field.
    static func load(_ path: String = ContextConfig.path) throws -> ContextConfig {
        guard FileManager.default.fileExists(atPath: path) else { return ContextConfig() }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError.input("\(path): cannot read the sluice config file (check its permissions)")
        }
        return try ContextConfigFile.parse(String(decoding: data, as: UTF8.self), path: path)
    }

    /// What a context name may be: something typed on the command line.
    static func nameProblem(_ name: String) -> String? {
        if name.isEmpty || name.count > 64 { return "must be 1 to 64 characters" }
        if name.contains(where: { !($0.isLetter || $0.isNumber || "-_.@:".contains($0)) }) {
            return "may hold only letters, digits, '-', '_', '.', '@' and ':'"
        }
        return nil
    }
}

extension ContextConfig.Context {
    /// The token this context sends: the inline one, else the first line of its token file. `path` is the
    /// config file, for the error when the token file cannot be read.
    func secret(configPath: String) throws -> String? {
        if let token { return token }
        guard let tokenFile else { return nil }
        guard let data = FileManager.default.contents(atPath: tokenFile) else {
            throw CLIError.input("context '\(name)' (\(configPath)) reads its token from \(tokenFile), which cannot be read; fix it with sluice config set-context \(name) --server \(server) --token-file FILE")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, !text.contains("\n") else {
            throw CLIError.input("context '\(name)': the token file \(tokenFile) must hold one token on one line")
        }
        return text
    }
}
