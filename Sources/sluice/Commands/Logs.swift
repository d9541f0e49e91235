import ArgumentParser
import Foundation
import SluiceCompiler
import SluiceEngine
import SluiceModel
import SluiceRuntime
import SluiceStore

/// `sluice logs RUN [NODE]`: an attempt's stdout and stderr, or every node's with its id before each line.
struct Logs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a node's logs (latest attempt by default), or every node's; -f follows them.",
        discussion: """
            Without NODE, prints the latest attempt of every node that ran, each \
            line prefixed with `[NODE] ` (as `kubectl logs --prefix` does). \
            --tail N keeps the last N lines of each stream. -f on a node that \
            has not started yet waits for it (and says so on stderr); without \
            NODE it follows every node until the run ends.

            Examples:
              sluice logs hello-lx2k9a1b
              sluice logs hello-lx2k9a1b greet
              sluice logs hello-lx2k9a1b 'fit[1]' --attempt 2 --stderr
              sluice logs hello-lx2k9a1b train -f --tail 20
              sluice logs hello-lx2k9a1b train -f --server http://127.0.0.1:8470
            """
    )

    @Argument(help: ArgumentHelp("The run id.", valueName: "run")) var runID: String
    @Argument(help: "The node id (map items as name[index]); without it, every node's logs.") var node: String?
    @Option(help: "Attempt number (default: the latest).") var attempt: Int?
    @Option(help: "Only the last N lines of each stream.") var tail: Int?
    @Flag(help: "Only stderr.") var stderr = false
    @Flag(help: "Only stdout.") var stdout = false
    @Flag(name: [.short, .long], help: "Keep printing as the attempt writes, until it ends (a node not started yet is waited for).") var follow = false
    @Flag(help: "Print control sequences as the task wrote them, also on a terminal (where by default only colours pass).") var raw = false
    @OptionGroup var storeOption: StoreOption
    @OptionGroup var remote: RemoteOptions

    func validate() throws {
        if let tail, tail < 0 { throw ValidationError("--tail takes a number of lines, 0 or more") }
        if node == nil, attempt != nil { throw ValidationError("--attempt needs a NODE") }
    }

    var streams: [String] { stderr ? ["stderr"] : (stdout ? ["stdout"] : ["stdout", "stderr"]) }

    func run() throws {
        LogOutput.sanitize = !raw && Terminal.isTTY
        if let client = try remote.client(store: storeOption) {
            let view = try RemoteRuns.view(client, runID)
            let logs = RemoteNodeLogs(client: client, runID: runID, streams: streams, tail: tail)
            guard let node else { return try LogFollow.all(view, logs, follow: follow) { try RemoteRuns.view(client, runID) } }
            try LogNodes.check(node, in: view)
            if tail == nil, view.nodeHasStarted(node) {
                return try RemoteLogs.show(client, runID: runID, node: node, attempt: attempt, streams: streams, follow: follow)
            }
            return try LogFollow.one(node, attempt: attempt, view, logs, follow: follow) { try RemoteRuns.view(client, runID) }
        }
        let store = try storeOption.openStore()
        let id = try storeOption.resolveRun(runID, in: store)
        let read = { try LocalRuns.view(id, in: store, storeDirectory: storeOption.directory) }
        let view = try read()
        let logs = LocalNodeLogs(store: store, runID: id, files: streams.map { $0 + ".log" }, tail: tail)
        guard let node else { return try LogFollow.all(view, logs, follow: follow, read: read) }
        try LogNodes.check(node, in: view)
        try LogFollow.one(node, attempt: attempt, view, logs, follow: follow, read: read)
    }
}

/// The nodes of a run a user may name, and the message for a name that is none of them.
enum LogNodes {
    static func check(_ node: String, in view: RunView) throws {
        let ids = view.allNodes.map(\.id)
        guard !ids.contains(node) else { return }
        var message = "run \(view.id) has no node '\(TerminalText.visible(node))'"
        if let close = Suggest.closest(to: node, in: ids, minimumLength: 1) {
            message += "; did you mean '\(close)'?"
        } else {
            message += "."
        }
        let shown = ids.prefix(30).joined(separator: ", ") + (ids.count > 30 ? ", … (\(ids.count) in all)" : "")
        throw CLIError.input(message + " Its nodes: \(shown)")
    }
}

extension RunView {
    /// Every node, children after their parent, in tree order.
    var allNodes: [NodeView] {
        func flat(_ n: NodeView) -> [NodeView] { [n] + n.children.flatMap(flat) }
        return nodes.flatMap(flat)
    }

    func nodeHasStarted(_ id: String) -> Bool {
        allNodes.first { $0.id == id }.map { !$0.attempts.filter { $0.purpose == "run" }.isEmpty } ?? false
    }

    var hasFinished: Bool { RunPhase(rawValue: state)?.isFinal ?? true }
}
