import ArgumentParser
import Foundation
import SluiceEngine
import SluiceModel
import SluiceRuntime
import SluiceStore

/// `sluice status [RUN]`: one run's tree.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a run as a tree of steps, nodes and attempts.",
        discussion: """
            Without RUN, shows the newest run. `-o json` prints the tree as JSON \
            with `state` and `outputs` at the top (`-o yaml` the same as YAML). \
            With --server, shows the run on that server, in the same shapes. \
            A waiting gate shows the command that answers it.

            -w/--watch follows the run as a live tree until it ends (one line \
            per change when stdout is not a terminal, or NO_COLOR or TERM=dumb \
            is set) and exits as `sluice run` does: 0 succeeded, 1 failed, \
            aborted or timed out.

            Examples:
              sluice status
              sluice status hello-lx2k9a1b -o json | jq .state
              sluice status hello-lx2k9a1b --server http://127.0.0.1:8470
              sluice status hello-lx2k9a1b --all      # every map item, not the first \(TreeText.childLimit)
              sluice status hello-lx2k9a1b -w         # follow it live to its end
            """
    )

    @Argument(help: ArgumentHelp("The run id (default: the newest run).", valueName: "run"))
    var runID: String?

    @Option(name: [.short, .long], help: OutputFormat.help)
    var output: OutputFormat = .text

    @Flag(name: [.short, .long], help: "Follow the run live until it ends; exit 0 if it succeeded, 1 if not.")
    var watch = false

    @Flag(help: "List every child of every node (map items); by default a node shows its failed children and then up to \(TreeText.childLimit) in all.")
    var all = false

    @OptionGroup var storeOption: StoreOption
    @OptionGroup var remote: RemoteOptions

    func run() throws {
        if let client = try remote.client(store: storeOption) {
            let id = try runID ?? RemoteRuns.newest(client)
            try show(server: client.base.absoluteString) { try RemoteRuns.view(client, id) }
            return
        }
        let store = try storeOption.openStore()
        let id = try runID.map { try storeOption.resolveRun($0, in: store) } ?? newestRun(store)
        let first = try LocalRuns.view(id, in: store, storeDirectory: storeOption.directory)
        if !(RunPhase(rawValue: first.state)?.isFinal ?? true), case .notDriven(let why) = try RunDriving.of(id, in: store) {
            FileHandleOutput.standardError("""
                note: nobody is driving run \(id): \(why). \
                Continue it with `sluice resume \(id)`, or stop it with `sluice abort \(id)`.
                """)
        }
        var fresh: RunView? = first
        try show(server: nil) {
            defer { fresh = nil }
            return try fresh ?? LocalRuns.view(id, in: store, storeDirectory: storeOption.directory)
        }
    }

    /// Prints the run once, or with --watch follows it to its end and exits as `run` does.
    private func show(server: String?, _ read: () throws -> RunView) throws {
        guard watch else {
            let view = try read()
            if try output.print(view) { return }
            for l in TreeText.render(view, color: Terminal.isRich, allChildren: all, server: server) { FileHandleOutput.standardOutput(l) }
            return
        }
        let final: RunView
        if output == .text {
            final = try RunWatch.follow(server: server, allChildren: all, read: read)
        } else {
            final = try RunWatch.poll(read)
            try output.print(final)
        }
        throw ExitCode(RunWatch.exitCode(final))
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
            `sluice list` is the same command. One row per run under a header:
            id, flow, state, start time, duration (so far, for a run still \
            going) and labels. `-o json` prints an array of {id, flow, state, \
            created, started, finished, duration_ms, labels, error}; `-o yaml` \
            the same. With --server, lists the server's runs.

            Examples:
              sluice history
              sluice history --state failed --limit 5
              sluice history --label team=vision
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

    @Option(name: [.short, .long], help: OutputFormat.help)
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
            try print(runs.map { r in
                HistoryRow(id: r.id, flow: r.flow, state: r.state, started: r.started, finished: r.finished,
                           duration_ms: HistoryRow.duration(r.started.flatMap(Self.date), r.finished.flatMap(Self.date)),
                           labels: r.labels, created: r.created, error: r.error)
            })
            return
        }
        let store = try storeOption.openStore()
        let states = state.isEmpty ? nil : state.compactMap { RunPhase(rawValue: $0) }
        let runs = try store.listRuns(state: states, flow: flow, labels: labels, limit: limit)
        try print(runs.map { r in
            HistoryRow(id: r.id, flow: r.flow, state: r.state.rawValue, started: r.started.map(JSONText.iso), finished: r.finished.map(JSONText.iso),
                       duration_ms: HistoryRow.duration(r.started, r.finished), labels: r.labels, created: JSONText.iso(r.created), error: r.error)
        })
    }

    static func date(_ iso: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(iso)) ?? (try? Date.ISO8601FormatStyle().parse(iso))
    }

    private func print(_ rows: [HistoryRow]) throws {
        if try output.print(rows) { return }
        if rows.isEmpty { FileHandleOutput.standardOutput("no runs"); return }
        let table = [["RUN", "FLOW", "STATE", "STARTED", "DURATION", "LABELS"]] + rows.map { r in
            [r.id, r.flow, r.state, r.started ?? "-", r.duration_ms.map { TreeText.duration($0) } ?? "-",
             r.labels.isEmpty ? "-" : r.labels.keys.sorted().map { "\($0)=\(r.labels[$0]!)" }.joined(separator: ",")]
        }
        for (i, var line) in TextTable.lines(table).enumerated() {
            if i > 0, let e = rows[i - 1].error { line += "  " + TerminalText.visible(String(e.prefix(80))) }
            FileHandleOutput.standardOutput(TerminalText.visible(line))
        }
    }
}

/// One run in `history -o json|yaml`.
struct HistoryRow: Encodable {
    var id: String
    var flow: String
    var state: String
    var started: String?
    var finished: String?
    /// From start to end, or to now for a run still going.
    var duration_ms: Int64?
    var labels: [String: String]
    var created: String?
    var error: String?

    static func duration(_ started: Date?, _ finished: Date?) -> Int64? {
        started.map { Int64(((finished ?? Date()).timeIntervalSince($0) * 1000).rounded()) }
    }
}

/// Runs read from the local store, as the API shows them.
enum LocalRuns {
    /// The run's tree with its labels; an input error when the store has no such run.
    static func view(_ id: String, in store: Store, storeDirectory: String? = nil) throws -> RunView {
        guard let stored = try store.loadRun(id) else {
            throw CLIError.input("no run '\(id)'\(storeDirectory.map { " in \($0)" } ?? "")")
        }
        let (flow, state) = try StateCoding.load(stored)
        return RunView(flow: flow, state: state, now: RunClock.now(), labels: stored.run.summary.labels)
    }
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

    /// One line of JSON with sorted keys (a record of a stream, such as an event).
    static func line<T: Encodable>(_ v: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try e.encode(v), as: UTF8.self)
    }

    static func iso(_ d: Date) -> String { RunView.iso(d) }
}
