import ArgumentParser
import Foundation
import SluiceAPI
import SluiceRuntime

/// `sluice events RUN [-f]`: a run's events, from the store or a server.
struct Events: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a run's events; -f keeps following them until the run ends.",
        discussion: """
            One line per event: sequence number, time, node and message (`-o json`: one JSON object \
            per line; `-o yaml`: one YAML document per event, each after `---`). With --server, -f follows the server's event stream and resumes where it left \
            off when the connection drops or the server restarts.

            Examples:
              sluice events hello-lx2k9a1b
              sluice events hello-lx2k9a1b -f --server http://127.0.0.1:8470
              sluice events hello-lx2k9a1b --after 40 -o json
            """
    )

    @Argument(help: ArgumentHelp("The run id.", valueName: "run")) var runID: String
    @Flag(name: [.short, .long], help: "Keep printing events until the run ends.") var follow = false
    @Option(help: "Only events after this sequence number.") var after: Int64 = 0
    @Option(name: [.short, .long], help: "Output: text, json (one object per line) or yaml (one document per event).") var output: OutputFormat = .text
    @OptionGroup var storeOption: StoreOption
    @OptionGroup var remote: RemoteOptions

    func run() throws {
        if let client = try remote.client(store: storeOption) {
            if follow {
                try RemoteEvents.follow(client, runID: runID, after: after, format: output)
            } else {
                _ = try RemoteRuns.view(client, runID)
                _ = try RemoteEvents.printAll(client, runID: runID, after: after, format: output)
            }
            return
        }
        let store = try storeOption.openStore()
        let runID = try storeOption.resolveRun(runID, in: store)
        guard try store.runSummary(runID) != nil else { throw CLIError.input("no run '\(runID)' in \(storeOption.directory)") }
        var last = after
        while true {
            // Read the state first: a run's last events are committed with its final state.
            let finished = try store.runSummary(runID)?.state.isFinal ?? true
            let events = try store.events(runID: runID, afterSeq: last, limit: 1000)
            for e in events {
                let line = EventView(seq: e.seq, run: e.runID, time: JSONText.iso(e.time), kind: e.kind, node: e.nodeID, attempt: e.attempt, message: e.message)
                FileHandleOutput.standardOutput(line.render(output))
            }
            last = events.last?.seq ?? last
            if events.isEmpty && (!follow || finished) { return }
            if events.isEmpty { Thread.sleep(forTimeInterval: 0.2) }
        }
    }
}
