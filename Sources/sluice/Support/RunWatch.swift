import Foundation
import SluiceEngine
import SluiceModel
import SluiceRuntime

/// Follows a run someone else drives (a server, or a `sluice run` on the same store) until it ends, by
/// reading its tree: redrawn in place on a rich terminal (fitted to its height), else one line per node
/// that changes state, then the final tree.
enum RunWatch {
    /// Reads the run every `interval` until it has finished; returns its final tree. `server` is appended to
    /// the commands waiting gates show.
    /// `allChildren`: every map item and child, as `status --all` (else the tree summarises long lists).
    static func follow(server: String?, allChildren: Bool = false, every interval: TimeInterval = 0.2, read: () throws -> RunView) throws -> RunView {
        let rich = Terminal.isRich
        var frame = Terminal.Frame()
        var seen: [String: String] = [:]
        while true {
            let view = try read()
            let done = RunPhase(rawValue: view.state)?.isFinal ?? false
            if rich {
                frame.draw(TreeText.render(view, .init(color: true, allChildren: allChildren, server: server, height: Terminal.rows)))
            } else {
                for line in changes(view, server: server, seen: &seen) { FileHandleOutput.standardOutput(line) }
                if done { for l in TreeText.render(view, color: false, allChildren: allChildren, server: server) { FileHandleOutput.standardOutput(l) } }
            }
            if done { return view }
            Thread.sleep(forTimeInterval: interval)
        }
    }

    /// Reads the run quietly until it has finished.
    static func poll(every interval: TimeInterval = 0.2, _ read: () throws -> RunView) throws -> RunView {
        while true {
            let view = try read()
            if RunPhase(rawValue: view.state)?.isFinal ?? false { return view }
            Thread.sleep(forTimeInterval: interval)
        }
    }

    /// The exit code of a finished run, as `sluice run` gives it: 0 succeeded, 1 otherwise.
    static func exitCode(_ view: RunView) -> Int32 { view.state == RunPhase.succeeded.rawValue ? 0 : 1 }

    /// `HH:MM:SS  node  state` for every node (and the run) whose state differs from `seen`; waiting gates add
    /// what they wait for.
    static func changes(_ view: RunView, server: String?, seen: inout [String: String]) -> [String] {
        var out: [String] = []
        let clock = Self.clock(Date())
        func visit(_ n: RunView.NodeView) {
            if seen[n.id] != n.state, !(seen[n.id] == nil && n.state == "pending") {
                seen[n.id] = n.state
                var line = "\(clock)  \(n.id)  \(n.state)"
                if n.state == "waiting", let g = n.gate, let wait = TreeText.waitingText(g, node: n.id, run: view.id, server: server) {
                    line += "  " + wait
                }
                if let e = n.error, TreeText.isFailure(n.state) { line += "  \(TerminalText.visible(String(e.split(separator: "\n").first ?? "")))" }
                out.append(line)
            }
            for c in n.children { visit(c) }
        }
        for n in view.nodes { visit(n) }
        if seen[""] != view.state {
            seen[""] = view.state
            // A run that starts is said before its nodes; one that ends, after them.
            let line = "\(clock)  run \(view.id)  \(view.state)"
            if view.hasFinished { out.append(line) } else { out.insert(line, at: 0) }
        }
        return out
    }

    static func clock(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970)
        var parts = tm()
        localtime_r(&t, &parts)
        return String(format: "%02d:%02d:%02d", parts.tm_hour, parts.tm_min, parts.tm_sec)
    }
}

/// What `run -o json|yaml` prints at the end: the run, its state, outputs and error.
struct RunOutcome: Encodable {
    var run: String
    var state: String
    var outputs: [String: LiteralValue]
    var error: String?

    init(_ view: RunView) {
        run = view.id
        state = view.state
        outputs = view.outputs ?? [:]
        error = view.error
    }
}
