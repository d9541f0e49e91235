import ArgumentParser
import DockerEngine
import Foundation

/// `sluice doctor`: which container engine the container backend would use, and why the others cannot be.
struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the container engine the container backend would use.",
        discussion: """
            Looks for a Docker Engine API in the order the container backend does: --engine, then \
            $DOCKER_HOST, then /var/run/docker.sock, then Podman's rootful (/run/podman/podman.sock) and \
            rootless ($XDG_RUNTIME_DIR/podman/podman.sock) sockets. Prints each place, what answered there \
            (product, version, API version) or why it cannot be used.

            Exit status: 0 when an engine answers, 1 when none does.

            Examples:
              sluice doctor
              sluice doctor --engine unix:///run/podman/podman.sock
            """
    )

    @Option(help: "Check only this socket, e.g. unix:///run/podman/podman.sock.")
    var engine: String?

    @Option(name: [.short, .long], help: OutputFormat.help)
    var output: OutputFormat = .text

    func run() throws {
        let discovery = Blocking.run { [engine] in await EngineDiscovery.run(explicit: engine) }
        if output != .text {
            let rows = discovery.tried.map { t -> [String: String] in
                var row = ["address": t.address, "source": t.source]
                if let v = t.version {
                    row["engine"] = v.product
                    row["version"] = v.version
                    row["api_version"] = v.apiVersion
                }
                if let p = t.problem { row["problem"] = p }
                return row
            }
            try output.print(DoctorReport(engines: rows, found: discovery.found != nil))
        } else {
            for t in discovery.tried {
                if let v = t.version {
                    FileHandleOutput.standardOutput("ok    \(t.address) (\(t.source)): \(v.product) \(v.version), API \(v.apiVersion)")
                } else {
                    FileHandleOutput.standardOutput("no    \(t.address) (\(t.source)): \(t.problem ?? "no answer")")
                }
            }
            if let found = discovery.found {
                FileHandleOutput.standardOutput("the container backend uses \(found.endpoint.socketPath) (\(found.version.product) \(found.version.version))")
            } else {
                FileHandleOutput.standardOutput("no container engine answers; start Docker or `podman system service`, or pass --engine")
            }
        }
        if discovery.found == nil { throw ExitCode(1) }
    }
}

/// What `doctor -o json|yaml` prints: every place tried, and whether one answered.
private struct DoctorReport: Encodable {
    var engines: [[String: String]]
    var found: Bool
}
