import ArgumentParser
import Foundation

/// `--server URL`, `--token` and `--context`: talk to a `sluice serve` instead of the local store. The server is
/// `--server` or `--context NAME`, else `$SLUICE_SERVER`, else `$SLUICE_CONTEXT`, else the config file's current context, else none
/// (the local store); the token `--token`, else `$SLUICE_TOKEN`, else the context's, else, for a server on
/// loopback, the admin token a server on `--store` wrote.
struct RemoteOptions: ParsableArguments {
    @Option(help: "A sluice server's URL, e.g. http://127.0.0.1:8470 (default: $SLUICE_SERVER, else the current context; without any, the local store).")
    var server: String?

    @Option(help: "The API token (default: $SLUICE_TOKEN, else the context's, else <store>/admin.token for a server on loopback).")
    var token: String?

    @Option(help: ArgumentHelp("A context of the sluice config file: its server and token (default: $SLUICE_CONTEXT, else the current context; see sluice config get-contexts).", valueName: "name"))
    var context: String?

    func validate() throws {
        if server != nil && context != nil { throw ValidationError("--server and --context both name a server; give one") }
    }

    /// The client for the chosen server, or nil to use the local store.
    func client(store: StoreOption) throws -> RemoteClient? {
        let environment = ProcessInfo.processInfo.environment
        let fromEnvironment = environment["SLUICE_SERVER"].flatMap { $0.isEmpty ? nil : $0 }
        var chosen: ContextConfig.Context?
        let text: String
        if let server {
            text = server
        } else if context == nil, let fromEnvironment {
            text = fromEnvironment
        } else if let c = try Self.context(named: context ?? environment["SLUICE_CONTEXT"].flatMap { $0.isEmpty ? nil : $0 }) {
            chosen = c
            text = c.server
        } else {
            return nil
        }
        let source = chosen.map { "context '\($0.name)' (\(ContextConfig.path)): server" } ?? "--server"
        guard let base = Self.url(text) else {
            throw CLIError.input("\(source) \(text): expected a URL such as http://127.0.0.1:8470")
        }
        guard base.scheme == "http" else {
            throw CLIError.input("\(source) \(text): this sluice talks to servers over plain http:// only (sluice serve listens on http://); "
                + "reach an https:// server through a local TLS proxy or tunnel and pass its http:// address")
        }
        var secret = token ?? environment["SLUICE_TOKEN"]
        if secret == nil, let chosen { secret = try chosen.secret(configPath: ContextConfig.path) }
        if secret == nil, let host = base.host {
            // Only to the server that wrote it: same loopback address and port as it recorded.
            let plain = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
            secret = ServeTokens.savedAdminToken(store.directory, host: plain, port: base.port ?? 80)
        }
        return RemoteClient(base: base, token: secret)
    }

    /// The context named `name`, else the config file's current one; nil when none is named or current.
    static func context(named name: String?) throws -> ContextConfig.Context? {
        let path = ContextConfig.path
        if let name {
            guard let c = try ContextConfig.load(path).context(name) else {
                let option = ProcessInfo.processInfo.environment["SLUICE_CONTEXT"] == name ? "$SLUICE_CONTEXT" : "--context"
                throw CLIError.input("\(option) \(name): no such context in \(path); see sluice config get-contexts")
            }
            return c
        }
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let config = try ContextConfig.load(path)
        return config.current.flatMap(config.context)
    }

    /// `host:port` alone means http.
    static func url(_ text: String) -> URL? {
        let full = text.contains("://") ? text : "http://" + text
        guard let url = URL(string: full.hasSuffix("/") ? String(full.dropLast()) : full),
              url.scheme == "http" || url.scheme == "https", url.host != nil else { return nil }
        return url
    }
}
