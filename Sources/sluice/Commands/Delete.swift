import ArgumentParser
import Foundation
import SluiceAPI
import SluiceModel
import SluiceRuntime
import SluiceStore

/// `sluice delete RUN...`: removes finished runs, their rows, attempt folders and logs.
struct Delete: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete runs: their records, attempt folders and logs.",
        discussion: """
            A run that is still queued, running or waiting is refused unless --force, which aborts it first and \
            deletes it once it has ended. A unique prefix of a run id is enough. Every id is checked before \
            anything is deleted.

            Examples:
              sluice delete hello-lx2k9a1b
              sluice delete hello-lx2k --force
              sluice delete hello-lx2k9a1b --server http://127.0.0.1:8470
            """
    )

    @Argument(help: ArgumentHelp("Run ids (or unique prefixes).", valueName: "run")) var runIDs: [String]
    @Flag(help: "Abort a run that has not finished, then delete it.") var force = false
    @Option(name: [.short, .long], help: OutputFormat.help) var output: OutputFormat = .text
    @OptionGroup var storeOption: StoreOption
    @OptionGroup var remote: RemoteOptions

    func validate() throws {
        if runIDs.isEmpty { throw ValidationError("give at least one run id") }
    }

    func run() throws {
        var removed: [RemovedRunRow] = []
        if let client = try remote.client(store: storeOption) {
            // Every id is checked (it names one run; without --force, a finished one) before anything is deleted.
            var ids: [String] = []
            for given in runIDs {
                let view = try RemoteRuns.view(client, given)
                if !force, !(RunPhase(rawValue: view.state)?.isFinal ?? true) {
                    throw CLIError.input("run '\(view.id)' is \(view.state); abort it first, or delete it with --force (which aborts it)")
                }
                ids.append(view.id)
            }
            for id in ids {
                let reply = try client.delete(RemoteRuns.runPath(id), query: force ? ["force": "true"] : [:])
                removed.append(try client.decode(RemovedRunRow.self, reply))
            }
        } else {
            let store = try storeOption.openStore(.existing)
            defer { store.close() }
            let ids = try runIDs.map { try storeOption.resolveRun($0, in: store) }
            if !force {
                for id in ids {
                    if let state = try store.runSummary(id)?.state, !state.isFinal {
                        throw CLIError.input("run '\(id)' is \(state.rawValue); abort it first, or delete it with --force (which aborts it)")
                    }
                }
            }
            for id in ids { removed.append(PruneCommand.row(try delete(id, in: store))) }
        }
        if try output.print(removed) { return }
        for r in removed { FileHandleOutput.standardOutput("deleted \(r.id) (\(r.flow), \(r.state)), \(ByteText.format(r.bytes)) freed") }
    }

    /// Deletes one run; with --force, aborts it first (driving the abort here when nobody drives the run) and
    /// waits until it has ended and its controller has let it go.
    private func delete(_ id: String, in store: Store) throws -> RemovedRun {
        guard force, let state = try store.runSummary(id)?.state, !state.isFinal else { return try storeError { try store.deleteRun(id) } }
        try gateAction { try GateActions(store: store).abort(runID: id, reason: "deleted with --force", by: actingUser(nil)) }
        if case .notDriven(let why) = try RunDriving.of(id, in: store) {
            FileHandleOutput.standardError("run \(id) is not driven (\(why)); aborting it here")
            let controller = try storeOption.controller(forRun: id)
            controller.start()
            controller.drive(id)
            _ = try controller.waitForEnd(id)
            controller.close()
        }
        // Another process drives it: it ends the run and lets it go within the abort's grace period.
        for _ in 0..<600 {
            do { return try store.deleteRun(id) } catch StoreError.runNotDeletable {
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        return try storeError { try store.deleteRun(id) }
    }
}

/// A store refusal (a run not finished, still held) as an input error (exit 2).
func storeError<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as StoreError {
        switch e {
        case .runNotDeletable, .noRun, .ambiguousRunID: throw CLIError.input(e.description)
        default: throw e
        }
    }
}

/// Byte counts as people read them: 0 B, 4.0 KiB, 1.2 MiB.
enum ByteText {
    static func format(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}
