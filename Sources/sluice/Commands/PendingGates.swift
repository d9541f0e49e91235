import ArgumentParser
import SluiceAPI
import SluiceRuntime

/// `sluice gates RUN`: the run's gates waiting for a person or a signal.
struct PendingGates: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gates",
        abstract: "List a run's pending gates: approvals and signals it waits for.",
        discussion: """
            Examples:
              sluice gates hello-lx2k9a1b
              sluice gates hello-lx2k9a1b -o json --server http://127.0.0.1:8470
            """
    )

    @Argument(help: ArgumentHelp("The run id.", valueName: "run")) var runID: String
    @Option(name: [.short, .long], help: OutputFormat.help) var output: OutputFormat = .text
    @OptionGroup var storeOption: StoreOption
    @OptionGroup var remote: RemoteOptions

    func run() throws {
        let gates: [PendingGate]
        if let client = try remote.client(store: storeOption) {
            gates = try RemoteRuns.gates(client, runID: runID)
        } else {
            let store = try storeOption.openStore()
            let runID = try storeOption.resolveRun(runID, in: store)
            gates = try gateAction { try GateActions(store: store).pending(runID: runID) }
        }
        if try output.print(gates) { return }
        if gates.isEmpty { FileHandleOutput.standardOutput("no pending gates in \(runID)"); return }
        let server = try remote.client(store: storeOption)?.base.absoluteString
        for g in gates {
            let waiting = RunView.Gate(waiting: g)
            let answer = TreeText.answer(waiting, node: g.node, run: runID, server: server).map { "  · " + $0 } ?? ""
            FileHandleOutput.standardOutput(TerminalText.visible(g.text) + answer)
        }
    }
}
