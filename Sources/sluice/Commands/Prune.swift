import ArgumentParser
import Foundation
import SluiceAPI
import SluiceModel
import SluiceStore

/// `sluice prune --older-than D`: removes finished runs older than D, with their attempt folders and logs.
struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete finished runs older than a duration, with their attempt folders and logs.",
        discussion: """
            A run counts from when it finished; runs that have not finished are never pruned, nor a finished \
            run whose controller still holds it. Folders and logs left by a deletion that was interrupted \
            are removed too. Prints what it removed and the space freed.

            Examples:
              sluice prune --older-than 30d
              sluice prune --older-than 7d --state failed --state aborted --dry-run
              sluice prune --older-than 30d --server http://127.0.0.1:8470
            """
    )

    @Option(name: .customLong("older-than"), help: ArgumentHelp("Runs that finished longer ago than this (30d, 12h, 90m).", valueName: "duration"))
    var olderThan: String
    @Option(help: ArgumentHelp("Only runs that ended in this state (repeatable): succeeded, failed, aborted, timed-out, reverted, revert-failed.", valueName: "state"))
    var state: [String] = []
    @Flag(name: .customLong("dry-run"), help: "Print what would be removed; change nothing.") var dryRun = false
    @Option(name: [.short, .long], help: OutputFormat.help) var output: OutputFormat = .text
    @OptionGroup var storeOption: StoreOption
    @OptionGroup var remote: RemoteOptions

    func validate() throws {
        do { _ = try DurationValue(parsing: olderThan) } catch { throw ValidationError("--older-than \(olderThan): \(error)") }
        let known = RunPhase.allCases.filter(\.isFinal).map(\.rawValue)
        for s in state where !known.contains(s) {
            throw ValidationError("--state \(s): expected one of \(known.joined(separator: ", ")) (runs that have not finished are never pruned)")
        }
    }

    func run() throws {
        let result: PruneResult
        let states = state.isEmpty ? nil : state
        if let client = try remote.client(store: storeOption) {
            let reply = try client.post("/api/v1/prune", PruneRequest(older_than: olderThan, states: states, dry_run: dryRun))
            result = try client.decode(PruneResult.self, reply)
        } else {
            let store = try storeOption.openStore(dryRun ? .read : .existing)
            defer { store.close() }
            let age = try DurationValue(parsing: olderThan)
            let now = Date()
            let filter = PruneFilter(finishedBefore: now.addingTimeInterval(-age.seconds), states: states.map { Set($0.compactMap(RunPhase.init(rawValue:))) })
            let report: PruneReport
            do { report = try store.prune(filter, dryRun: dryRun, now: now) } catch {
                throw CLIError.input("cannot prune the store at \(storeOption.directory): \(error)")
            }
            result = PruneResult(runs: report.runs.map(Self.row), leftovers: report.leftovers, bytes_freed: report.bytesFreed, dry_run: dryRun)
        }
        if try output.print(result) { return }
        let verb = dryRun ? "would remove" : "removed"
        for r in result.runs {
            FileHandleOutput.standardOutput("\(verb) \(r.id) (\(r.flow), \(r.state), finished \(r.finished ?? "?"), \(ByteText.format(r.bytes)))")
        }
        for path in result.leftovers { FileHandleOutput.standardOutput("\(verb) leftover \(path)") }
        let runs = "\(result.runs.count) run\(result.runs.count == 1 ? "" : "s")"
        FileHandleOutput.standardOutput("\(verb) \(runs), \(ByteText.format(result.bytes_freed)) \(dryRun ? "would be freed" : "freed")")
    }

    static func row(_ run: RemovedRun) -> RemovedRunRow {
        RemovedRunRow(id: run.id, flow: run.flow, state: run.state.rawValue, finished: run.finished.map(JSONText.iso), bytes: run.bytes)
    }
}
