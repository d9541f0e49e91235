import ArgumentParser
import Foundation

/// `sluice reject RUN NODE --comment WHY`: rejects an approval gate.
struct Reject: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reject a run's approval gate, saying why.",
        discussion: """
            The same as `sluice approve RUN NODE --reject`: the run fails at the gate, and the \
            comment is recorded with who rejected it (with --server, the token's name).

            Examples:
              sluice reject hello-lx2k9a1b review --comment "loss too high on site b"
              sluice reject hello-lx2k9a1b review --comment "not today" --server http://127.0.0.1:8470
            """
    )

    @Argument(help: ArgumentHelp("The run id.", valueName: "run")) var runID: String
    @Argument(help: "The gate's node id.") var node: String
    @Option(help: "Why (required).") var comment: String
    @Option(help: "Who decides (default: $SLUICE_USER or the login name).") var by: String?
    @OptionGroup var storeOption: StoreOption
    @OptionGroup var remote: RemoteOptions

    func validate() throws {
        if comment.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--comment must say why") }
    }

    func run() throws {
        try decideGate(runID: runID, node: node, approved: false, comment: comment, by: by, storeOption, remote)
    }
}
