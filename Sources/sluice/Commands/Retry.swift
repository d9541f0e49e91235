import ArgumentParser
import Foundation
import SluiceAPI
import SluiceRuntime

/// `sluice retry RUN`: runs a failed run again, reusing what succeeded.
struct Retry: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Retry a failed, aborted or timed-out run, reusing the outputs of the nodes that succeeded.",
        discussion: """
            Records a new run linked to the old one (its parent): top-level nodes that succeeded in the old \
            run are done already, with their old outputs; the others run again. Locally the new run is driven \
            in the foreground like `sluice run`; with --server the server runs it and the new id is printed. \
            Exit status: 0 when the new run succeeded (or was accepted by the server), 1 when it failed, \
            2 when the run does not exist or has not failed, 3 for server or auth errors.

            Examples:
              sluice retry etl-mwwdk8cgwtix
              sluice retry etl-mwwdk8cgwtix --server http://127.0.0.1:8470 -o json
            """
    )

    @Argument(help: ArgumentHelp("The run to retry.", valueName: "run")) var runID: String
    @Option(name: [.short, .long], help: OutputFormat.help) var output: OutputFormat = .text
    @Option(help: "Who retries (default: $SLUICE_USER or the login name).") var by: String?
    @OptionGroup var storeOption: StoreOption
    @OptionGroup var remote: RemoteOptions

    func run() throws {
        if let client = try remote.client(store: storeOption) {
            let reply = try client.decode(Retried.self, try client.post(RemoteRuns.runPath(runID) + "/retry", [String: String]()))
            FileHandleOutput.standardOutput(try output.document(reply)
                ?? "run \(reply.run) retries \(runID) (reusing \(reply.reused.isEmpty ? "nothing" : reply.reused.joined(separator: ", ")))")
            return
        }
        let runID = try storeOption.resolveRun(runID)
        let controller = try storeOption.controller(forRun: runID)
        let (id, reused) = try Self.record(controller, runID, by: actingUser(by))
        if output == .text {
            FileHandleOutput.standardError("run \(id) retries \(runID) (reusing \(reused.isEmpty ? "nothing" : reused.joined(separator: ", ")))")
        }
        throw ExitCode(try Foreground.drive(controller, runID: id, format: output))
    }

    static func record(_ controller: Controller, _ runID: String, by: String) throws -> (String, [String]) {
        do { return try controller.retry(runID, by: by) } catch let e as RetryError {
            throw CLIError.input(e.description)
        }
    }
}
