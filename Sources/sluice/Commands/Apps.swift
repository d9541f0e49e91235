import ArgumentParser
import Foundation
import SluiceAPI
import SluiceCompiler

/// `sluice apps ...`: long-running HTTP services kept alive by a `sluice serve`.
struct AppsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apps",
        abstract: "Deploy, inspect, scale, stop and delete apps on a server.",
        discussion: """
            Apps are long-running HTTP services (an `apps:` list in a file, alone or beside a flow). \
            `sluice serve` runs each replica as a process on a free loopback port ($PORT), or with \
            --backend container as a container of the app's image; it checks their health, restarts \
            them with backoff and routes http://SERVER/apps/NAME/ to healthy replicas. With \
            --backend kubernetes each app is a Deployment and a Service, and logs are its pods'. \
            These commands talk to a server: --server (or $SLUICE_SERVER, or a context); changes need \
            an operator token. See docs/apps.md.

            Examples:
              sluice apps deploy examples/apps.yaml --server http://127.0.0.1:8470
              sluice apps status scorer
              sluice apps scale scorer 3
              sluice apps logs scorer --replica 1 -f
            """,
        subcommands: [Deploy.self, List.self, Status.self, Logs.self, Scale.self, Stop.self, Start.self, Delete.self]
    )

    /// The server client; apps only live on a server.
    static func client(_ storeOption: StoreOption, _ remote: RemoteOptions) throws -> RemoteClient {
        guard let client = try remote.client(store: storeOption) else {
            throw CLIError.input("apps run on a server: pass --server URL (or set SLUICE_SERVER, or choose a context)")
        }
        return client
    }

    /// `sluice apps deploy FILE`.
    struct Deploy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deploy (or update) the apps of a file on the server.",
            discussion: """
                The file has a top-level `apps:` list, alone or beside a flow; it is checked here first, \
                with the same errors as `sluice validate`. An app already deployed gets the new spec and \
                new replicas.

                Examples:
                  sluice apps deploy examples/apps.yaml
                """
        )

        @Argument(help: "The file with `apps:`.") var file: String
        @Option(name: [.short, .long], help: OutputFormat.help) var output: OutputFormat = .text
        @OptionGroup var storeOption: StoreOption
        @OptionGroup var remote: RemoteOptions

        func run() throws {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw CLIError.input("cannot read \(file): \(error.localizedDescription)")
            }
            let compiled = FlowCompiler.compileApps(text, file: file)
            guard compiled.isValid else {
                throw CLIError.input(compiled.diagnostics.map(\.description).joined(separator: "\n"))
            }
            let views = try RemoteApps.deploy(AppsCommand.client(storeOption, remote), file: text, filename: file)
            for app in compiled.apps where !app.notAppliedLocally.isEmpty {
                FileHandleOutput.standardError("note: app \(app.name): a server on the local backend does not apply \(app.notAppliedLocally.joined(separator: ", ")) (its replicas are local processes; on the container backend they are containers of the image with these limits, on Kubernetes pods)")
            }
            if try output.print(AppList(apps: views)) { return }
            for view in views { FileHandleOutput.standardOutput("deployed \(view.name) (\(view.replicas) replica\(view.replicas == 1 ? "" : "s")) at \(view.endpoint ?? "/apps/\(view.name)")") }
        }
    }

    /// `sluice apps list`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the server's apps with their state and replicas.")

        @Option(name: [.short, .long], help: OutputFormat.help) var output: OutputFormat = .text
        @OptionGroup var storeOption: StoreOption
        @OptionGroup var remote: RemoteOptions

        func run() throws {
            let views = try RemoteApps.list(AppsCommand.client(storeOption, remote))
            if try output.print(AppList(apps: views)) { return }
            if views.isEmpty { FileHandleOutput.standardOutput("no apps; deploy one with sluice apps deploy FILE"); return }
            let rows = [["NAME", "STATE", "HEALTHY", "RESTARTS", "PUBLIC", "ENDPOINT"]] + views.map { v in
                [v.name, v.state, "\(v.healthy)/\(v.replicas)", String(v.restarts), v.isPublic ? "yes" : "no", v.endpoint ?? "-"]
            }
            for line in TextTable.lines(rows) { FileHandleOutput.standardOutput(line) }
        }
    }

    /// `sluice apps status NAME`.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an app: its replicas, their health, restarts, last error and endpoint.")

        @Argument(help: "The app's name.") var name: String
        @Option(name: [.short, .long], help: OutputFormat.help) var output: OutputFormat = .text
        @OptionGroup var storeOption: StoreOption
        @OptionGroup var remote: RemoteOptions

        func run() throws {
            let v = try RemoteApps.status(AppsCommand.client(storeOption, remote), name: name)
            if try output.print(v) { return }
            FileHandleOutput.standardOutput("app \(v.name): \(v.state), \(v.healthy)/\(v.replicas) healthy, \(v.restarts) restart\(v.restarts == 1 ? "" : "s")")
            FileHandleOutput.standardOutput("endpoint: \(v.endpoint ?? "-")\(v.isPublic ? " (public)" : " (viewer token needed)")")
            if let error = v.lastError { FileHandleOutput.standardOutput("last error: \(error)") }
            guard !v.replicaStates.isEmpty else { return }
            // A local replica is a process (or a container) on a port; one on Kubernetes is a pod.
            let pods = v.replicaStates.contains { $0.pod != nil }
            let head: [String] = ["REPLICA", "STATE"] + (pods ? ["POD"] : ["PID/CONTAINER", "PORT"]) + ["RESTARTS", "LAST EXIT"]
            let rows: [[String]] = [head] + v.replicaStates.map { (r: AppReplicaView) -> [String] in
                let place: [String] = pods ? [r.pod ?? "-"] : [r.pid.map { String($0) } ?? r.container ?? "-", r.port.map { String($0) } ?? "-"]
                return [String(r.index), r.state] + place + [String(r.restarts), r.lastExit ?? "-"]
            }
            for line in TextTable.lines(rows) { FileHandleOutput.standardOutput(line) }
        }
    }

    /// `sluice apps logs NAME`.
    struct Logs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a replica's output (stdout and stderr together); -f keeps following it.")

        @Argument(help: "The app's name.") var name: String
        @Option(help: "Which replica (0-based).") var replica = 0
        @Flag(name: [.short, .long], help: "Keep printing as the replica writes (until interrupted or the app is deleted).") var follow = false
        @OptionGroup var storeOption: StoreOption
        @OptionGroup var remote: RemoteOptions

        func validate() throws {
            if replica < 0 { throw ValidationError("--replica must be 0 or more") }
        }

        func run() throws {
            try RemoteApps.logs(AppsCommand.client(storeOption, remote), name: name, replica: replica, follow: follow)
        }
    }

    /// `sluice apps scale NAME N`.
    struct Scale: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run N replicas of an app (kept across server restarts).")

        @Argument(help: "The app's name.") var name: String
        @Argument(help: "How many replicas (0 runs none).") var replicas: Int
        @OptionGroup var storeOption: StoreOption
        @OptionGroup var remote: RemoteOptions

        func validate() throws {
            if replicas < 0 { throw ValidationError("replicas must be 0 or more") }
        }

        func run() throws {
            let v = try RemoteApps.scale(AppsCommand.client(storeOption, remote), name: name, replicas: replicas)
            FileHandleOutput.standardOutput("scaled \(v.name) to \(v.replicas) replica\(v.replicas == 1 ? "" : "s")")
        }
    }

    /// `sluice apps stop NAME`.
    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop an app's replicas; it stays deployed (apps start brings it back).")

        @Argument(help: "The app's name.") var name: String
        @OptionGroup var storeOption: StoreOption
        @OptionGroup var remote: RemoteOptions

        func run() throws {
            let v = try RemoteApps.change(AppsCommand.client(storeOption, remote), name: name, "stop")
            FileHandleOutput.standardOutput("stopped \(v.name)")
        }
    }

    /// `sluice apps start NAME`.
    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start a stopped app again.")

        @Argument(help: "The app's name.") var name: String
        @OptionGroup var storeOption: StoreOption
        @OptionGroup var remote: RemoteOptions

        func run() throws {
            let v = try RemoteApps.change(AppsCommand.client(storeOption, remote), name: name, "start")
            FileHandleOutput.standardOutput("started \(v.name) (\(v.replicas) replica\(v.replicas == 1 ? "" : "s"))")
        }
    }

    /// `sluice apps delete NAME`.
    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop an app and remove it and its logs from the server.")

        @Argument(help: "The app's name.") var name: String
        @OptionGroup var storeOption: StoreOption
        @OptionGroup var remote: RemoteOptions

        func run() throws {
            try RemoteApps.delete(AppsCommand.client(storeOption, remote), name: name)
            FileHandleOutput.standardOutput("deleted \(name)")
        }
    }
}
