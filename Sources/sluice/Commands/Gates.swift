import ArgumentParser
import Foundation
import SluiceEngine
import SluiceModel
import SluiceRuntime
import SluiceStore

/// `sluice approve RUN NODE`: approves (or rejects) an approval gate.
struct Approve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Approve or reject a run's approval gate.",
        discussion: """
            Records who decided, when and why; a running `sluice run` notices within 100 ms. Rejecting \
            needs a comment. The node must be an approve gate that is waiting.

            Examples:
              sluice approve hello-lx2k9a1b review --comment "losses look fine"
              sluice approve hello-lx2k9a1b review --reject --comment "loss too high on site b"
              sluice approve hello-lx2k9a1b review --server http://127.0.0.1:8470 --token "$SLUICE_TOKEN"

            With --server, the decision is recorded under the token's name (--by is not used).
            """
    )

    @Argument(help: ArgumentHelp("The run id.", valueName: "run")) var runID: String
    @Argument(help: "The gate's node id.") var node: String
    @Flag(help: "Reject instead of approve.") var reject = false
    @Option(help: "Why (required with --reject).") var comment: String?
    @Option(help: "Who decides (default: $SLUICE_USER or the login name).") var by: String?
    @OptionGroup var storeOption: StoreOption
    @OptionGroup var remote: RemoteOptions

    func validate() throws {
        if reject && (comment ?? "").isEmpty { throw ValidationError("--reject needs --comment saying why") }
    }

    func run() throws {
        try decideGate(runID: runID, node: node, approved: !reject, comment: comment, by: by, storeOption, remote)
    }
}

/// Records an approval or rejection, on a server or in the store, and says who decided.
func decideGate(runID: String, node: String, approved: Bool, comment: String?, by: String?, _ storeOption: StoreOption, _ remote: RemoteOptions) throws {
    let who: String
    if let client = try remote.client(store: storeOption) {
        who = try RemoteRuns.decide(client, runID: runID, node: node, approved: approved, comment: comment)
    } else {
        let store = try storeOption.openStore(.existing)
        let runID = try storeOption.resolveRun(runID, in: store)
        who = actingUser(by)
        try gateAction { try GateActions(store: store).decide(runID: runID, node: node, approved: approved, comment: comment, by: who) }
    }
    FileHandleOutput.standardOutput("\(approved ? "approved" : "rejected") \(runID)/\(node) as \(who)")
}

/// `sluice signal RUN ID VALUE`: sends a typed value to a signal gate.
struct SendSignal: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal",
        abstract: "Send a typed value to a run's signal gate.",
        discussion: """
            The value is checked against the gate's declared type (text for string types, JSON otherwise). \
            A signal sent before the gate is reached is kept and used when it is.

            Examples:
              sluice signal hello-lx2k9a1b threshold 0.75
              sluice signal hello-lx2k9a1b config '{"lr": 0.01}'
              sluice signal hello-lx2k9a1b threshold 0.75 --server http://127.0.0.1:8470
            """
    )

    @Argument(help: ArgumentHelp("The run id.", valueName: "run")) var runID: String
    @Argument(help: "The signal id (the gate's `signal:`).") var id: String
    @Argument(help: "The value.") var value: String
    @Option(help: "A note kept with the signal.") var comment: String?
    @Option(help: "Who sends it (default: $SLUICE_USER or the login name).") var by: String?
    @OptionGroup var storeOption: StoreOption
    @OptionGroup var remote: RemoteOptions

    func run() throws {
        if let client = try remote.client(store: storeOption) {
            let typed = try RemoteRuns.signal(client, runID: runID, id: id, text: value, comment: comment)
            FileHandleOutput.standardOutput("signal \(id)=\(TypedValues.json(typed)) sent to \(runID)")
            return
        }
        let store = try storeOption.openStore(.existing)
        let runID = try storeOption.resolveRun(runID, in: store)
        let typed = try gateAction {
            try GateActions(store: store).signal(runID: runID, id: id, value: .text(value), comment: comment, by: actingUser(by))
        }
        FileHandleOutput.standardOutput("signal \(id)=\(TypedValues.json(typed)) sent to \(runID)")
    }
}

/// `sluice abort RUN`: stops a run.
struct Abort: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Abort a run: cancel its running tasks and start nothing new.",
        discussion: """
            Examples:
              sluice abort hello-lx2k9a1b --reason "wrong input data"
              sluice abort hello-lx2k9a1b --server http://127.0.0.1:8470
            """
    )

    @Argument(help: ArgumentHelp("The run id.", valueName: "run")) var runID: String
    @Option(help: "Why.") var reason: String = "aborted from the command line"
    @Option(help: "Who (default: $SLUICE_USER or the login name).") var by: String?
    @OptionGroup var storeOption: StoreOption
    @OptionGroup var remote: RemoteOptions

    func run() throws {
        if let client = try remote.client(store: storeOption) {
            try RemoteRuns.abort(client, runID: runID, reason: reason)
            FileHandleOutput.standardOutput("abort requested for \(runID)")
            return
        }
        let store = try storeOption.openStore(.existing)
        let runID = try storeOption.resolveRun(runID, in: store)
        try gateAction { try GateActions(store: store).abort(runID: runID, reason: reason, by: actingUser(by)) }
        guard case .notDriven(let why) = try RunDriving.of(runID, in: store) else {
            FileHandleOutput.standardOutput("abort requested for \(runID)")
            return
        }
        // Nobody would read the request: carry it out here, cancelling what still runs.
        FileHandleOutput.standardError("run \(runID) is not driven (\(why)); aborting it here")
        let controller = try storeOption.controller(forRun: runID)
        controller.start()
        controller.drive(runID)
        let final = try controller.waitForEnd(runID)
        controller.close()
        FileHandleOutput.standardOutput("aborted \(runID): \(final.header.phase.rawValue)")
    }
}

/// Runs a gate action; its refusals are input errors (exit 2).
func gateAction<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as RunActionError { throw CLIError.input(e.message) }
}
