import ArgumentParser
import Foundation
import SluiceServer
import SluiceStore

/// `sluice serve`: keeps running flows and serves the HTTP API.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the controller and the HTTP API over a store.",
        discussion: """
            Drives every unfinished run of the store (and every run submitted later) on the local
            backend, and serves the JSON API: submit, list and watch runs, approve gates, send signals.
            SIGTERM or Ctrl-C stops it gracefully: running tasks keep running under their supervisors
            and are adopted when a server starts again on the same store.

            Examples:
              sluice serve
              sluice serve --store /var/lib/sluice --listen 127.0.0.1:9000
              curl -s localhost:8470/api/v1/runs
            """
    )

    @Option(help: "Address to listen on, HOST:PORT. Beyond loopback, the store must have tokens (sluice token create).")
    var listen: String = "127.0.0.1:8470"

    @OptionGroup var backendOption: BackendOption

    @OptionGroup var storeOption: StoreOption

    func validate() throws {
        _ = try ListenAddress.parse(listen)
    }

    func run() throws {
        let (host, port) = try ListenAddress.parse(listen)
        let server: APIServer
        let backend = try backendOption.make(backendOption.backend ?? "local", storeDirectory: storeOption.directory)
        do {
            server = try APIServer(.init(storeDirectory: storeOption.directory, host: host, port: port, backend: backend))
        } catch {
            throw CLIError.input("cannot open the store at \(storeOption.directory): \(error)")
        }
        try ServeTokens.prepare(server.controller.store, host: host, storeDirectory: storeOption.directory)
        signal(SIGPIPE, SIG_IGN)
        let directory = storeOption.directory
        // The main thread waits; the server runs on the concurrency pool and NIO's threads.
        let outcome = ServeOutcome()
        Task {
            do {
                try await server.run(handleSignals: true) { bound in
                    FileHandleOutput.standardError("sluice serve: listening on http://\(host):\(bound) (store \(directory))")
                }
            } catch {
                outcome.error = error
            }
            outcome.done.signal()
        }
        outcome.done.wait()
        if let error = outcome.error { throw CLIError.input("sluice serve stopped: \(error)") }
        FileHandleOutput.standardError("sluice serve: stopped")
    }
}

/// How the server task ended, for the waiting main thread.
private final class ServeOutcome: @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    var error: (any Error)?
}

/// Every API request needs a token: on loopback the first start writes an admin token where the CLI finds
/// it; elsewhere the server refuses to start until tokens exist.
enum ServeTokens {
    /// The file the first start on loopback writes an admin token to.
    static func adminTokenFile(_ storeDirectory: String) -> String { storeDirectory + "/admin.token" }

    static func prepare(_ store: Store, host: String, storeDirectory: String) throws {
        if ListenAddress.isLoopback(host) {
            let file = adminTokenFile(storeDirectory)
            if try store.ensureAdminToken(file: file) != nil {
                FileHandleOutput.standardError("sluice serve: wrote an admin token to \(file) (mode 0600); the CLI on this machine reads it")
            }
            return
        }
        guard try store.tokens().contains(where: \.isLive) else {
            throw CLIError.input("""
                refusing to listen on \(host): the store has no tokens, so nobody could use the API; \
                create one first: sluice token create --role admin --name NAME --store \(storeDirectory)
                """)
        }
    }
}

/// `HOST:PORT` of `--listen`.
enum ListenAddress {
    static func parse(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--listen \(text): expected HOST:PORT, e.g. 127.0.0.1:8470")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ValidationError("--listen \(text): the host is missing, e.g. 127.0.0.1:\(port)") }
        return (host, port)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
