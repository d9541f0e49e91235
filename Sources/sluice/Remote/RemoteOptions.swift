import ArgumentParser
import Foundation

/// `--server URL` and `--token`: talk to a `sluice serve` instead of the local store.
struct RemoteOptions: ParsableArguments {
    @Option(help: "A sluice server's URL, e.g. http://127.0.0.1:8470 (default: $SLUICE_SERVER; without either, the local store).")
    var server: String?

    @Option(help: "The API token (default: $SLUICE_TOKEN, else <store>/admin.token for a server on loopback).")
    var token: String?

    /// The client for the chosen server, or nil to use the local store.
    func client(store: StoreOption) throws -> RemoteClient? {
        let environment = ProcessInfo.processInfo.environment
        guard let text = server ?? environment["SLUICE_SERVER"], !text.isEmpty else { return nil }
        guard let base = Self.url(text) else {
            throw CLIError.input("--server \(text): expected a URL such as http://127.0.0.1:8470")
        }
        guard base.scheme == "http" else {
            throw CLIError.input("--server \(text): this sluice talks to servers over plain http:// only (sluice serve listens on http://); "
                + "reach an https:// server through a local TLS proxy or tunnel and pass its http:// address")
        }
        var secret = token ?? environment["SLUICE_TOKEN"]
        if secret == nil, let host = base.host {
            // Only to the server that wrote it: same loopback address and port as it recorded.
            let plain = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
            secret = ServeTokens.savedAdminToken(store.directory, host: plain, port: base.port ?? 80)
        }
        return RemoteClient(base: base, token: secret)
    }

    /// `host:port` alone means http.
    static func url(_ text: String) -> URL? {
        let full = text.contains("://") ? text : "http://" + text
        guard let url = URL(string: full.hasSuffix("/") ? String(full.dropLast()) : full),
              url.scheme == "http" || url.scheme == "https", url.host != nil else { return nil }
        return url
    }
}
