import ArgumentParser
import Foundation
import SluiceServer

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

    @Option(help: "Address to listen on, HOST:PORT (loopback only until tokens are available).")
    var listen: String = "127.0.0.1:8470"

    @OptionGroup var storeOption: StoreOption

    func validate() throws {
        let (host, port) = try ListenAddress.parse(listen)
        guard ListenAddress.isLoopback(host) else {
            throw ValidationError("tokens are required to listen on \(host); not available yet: use a loopback address such as 127.0.0.1:\(port)")
        }
    }

    func run() throws {
        let (host, port) = try ListenAddress.parse(listen)
        let server: APIServer
        do {
            server = try APIServer(.init(storeDirectory: storeOption.directory, host: host, port: port))
        } catch {
            throw CLIError.input("cannot open the store at \(storeOption.directory): \(error)")
        }
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
