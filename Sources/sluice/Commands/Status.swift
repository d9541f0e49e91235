import ArgumentParser
import Foundation
import SluiceEngine
import SluiceRuntime
import SluiceStore

/// `sluice status [RUN]`: one run's tree.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a run as a tree of steps, nodes and attempts.",
        discussion: """
            Without RUN, shows the newest run. `-o json` prints the tree as JSON with `state` and
            `outputs` at the top. With --server, shows the run on that server, in the same shapes.

            Examples:
              sluice status
              sluice status hello-lx2k9a1b -o json | jq .state
              sluice status hello-lx2k9a1b --server http://127.0.0.1:8470
              sluice status hello-lx2k9a1b --all      # every map item, not the first \(TreeText.childLimit)
            """
    )

    @Argument(help: ArgumentHelp("The run id (default: the newest run).", valueName: "run"))
    var runID: String?

    @Option(name: [.short, .long], help: "Output: text or json.")
    var output: OutputFormat = .text

    @Flag(help: "List every child of every node (map items); by default a node shows its failed children and then up to \(TreeText.childLimit) in all.")
    var all = false

    @OptionGroup var storeOption: StoreOption
    @OptionGroup var remote: RemoteOptions

    func run() throws {
        if let client = try remote.client(store: storeOption) {
            try print(RemoteRuns.view(client, runID ?? RemoteRuns.newest(client)))
            return
        }
        let store = try storeOption.openStore()
        let id = try runID.map { try storeOption.resolveRun($0, in: store) } ?? newestRun(store)
        guard let (flow, state) = try StateCoding.state(of: id, in: store) else { throw CLIError.input("no run '\(id)' in \(storeOption.directory)") }
        try print(RunView(flow: flow, state: state, now: RunClock.now()))
        if !state.header.phase.isFinal, case .notDriven(let why) = try RunDriving.of(id, in: store) {
            FileHandleOutput.standardError("""
                note: nobody is driving run \(id): \(why). \
                Continue it with `sluice resume \(id)`, or stop it with `sluice abort \(id)`.
                """)
        }
    }

    private func print(_ view: RunView) throws {
        if output == .json {
            FileHandleOutput.standardOutput(try JSONText.encode(view))
        } else {
            for l in TreeText.render(view, color: isatty(1) == 1, allChildren: all) { FileHandleOutput.standardOutput(l) }
        }
    }

    private func newestRun(_ store: Store) throws -> String {
        guard let r = try store.listRuns(limit: 1).first else { throw CLIError.input("no runs in \(storeOption.directory) yet; start one with sluice run FILE") }
        return r.id
    }
}

/// `sluice history` (or `sluice list`): runs newest first.
struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List runs, newest first.",
        discussion: """
            `sluice list` is the same command. With --server, lists the server's runs.

            Examples:
              sluice history
              sluice history --state failed --limit 5
              sluice list -o json --server http://127.0.0.1:8470
            """,
        aliases: ["list"]
    )

    @Option(help: "Only runs in this state (repeatable).")
    var state: [String] = []

    @Option(help: "Only runs of this flow.")
    var flow: String?

    @Option(help: "Only runs with this label, as KEY=VALUE (repeatable; every one must match).")
    var label: [String] = []

    var labels: [String: String] {
        Dictionary(label.compactMap { text in
            text.firstIndex(of: "=").map { (String(text[..<$0]), String(text[text.index(after: $0)...])) }
        }, uniquingKeysWith: { $1 })
    }

    @Option(help: "At most this many runs.")
    var limit: Int = 50

    @Option(name: [.short, .long], help: "Output: text or json.")
    var output: OutputFormat = .text

    @OptionGroup var storeOption: StoreOption
    @OptionGroup var remote: RemoteOptions

    func validate() throws {
        let known = RunPhase.allCases.map(\.rawValue)
        for s in state where !known.contains(s) { throw ValidationError("unknown state '\(s)'; expected one of \(known.joined(separator: ", "))") }
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
        for l in label where !l.contains("=") { throw ValidationError("--label \(l): expected KEY=VALUE") }
    }

    func run() throws {
        if let client = try remote.client(store: storeOption) {
            if label.count > 1 { throw CLIError.input("with --server, give at most one --label") }
            let runs = try RemoteRuns.list(client, states: state, flow: flow, label: label.first, limit: limit)
            try print(runs.map { HistoryRow(id: $0.id, flow: $0.flow, state: $0.state, started: $0.started, finished: $0.finished) },
                      lines: runs.map { r in "\(r.id)  \(r.flow)  \(r.state)  \(r.started ?? r.created)\(r.error.map { "  \($0.prefix(80))" } ?? "")" })
            return
        }
        let store = try storeOption.openStore()
        let states = state.isEmpty ? nil : state.compactMap { SluiceStore.RunState(rawValue: $0) }
        let runs = try store.listRuns(state: states, flow: flow, labels: labels, limit: limit)
        let rows = runs.map { r in
            HistoryRow(id: r.id, flow: r.flow, state: r.state.rawValue, started: r.started.map(JSONText.iso), finished: r.finished.map(JSONText.iso))
        }
        try print(rows, lines: runs.map { r in
            let when = r.started.map(JSONText.iso) ?? JSONText.iso(r.created)
            return "\(r.id)  \(r.flow)  \(r.state.rawValue)  \(when)\(r.error.map { "  \($0.prefix(80))" } ?? "")"
        })
    }

    private func print(_ rows: [HistoryRow], lines: [String]) throws {
        if output == .json { FileHandleOutput.standardOutput(try JSONText.encode(rows)); return }
        if lines.isEmpty { FileHandleOutput.standardOutput("no runs"); return }
        for l in lines { FileHandleOutput.standardOutput(l) }
    }
}

/// One line of `history -o json`.
struct HistoryRow: Encodable {
    var id: String
    var flow: String
    var state: String
    var started: String?
    var finished: String?
}

enum RunClock {
    static func now() -> Timestamp { Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)) }
}

/// JSON output with sorted keys, and ISO 8601 times.
enum JSONText {
    static func encode<T: Encodable>(_ v: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try e.encode(v), as: UTF8.self)
    }

    static func iso(_ d: Date) -> String { RunView.iso(d) }
}
