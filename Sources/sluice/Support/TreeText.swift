import Foundation
import SluiceModel
import SluiceRuntime

/// Renders a `RunView` as the human tree: steps, nodes with their state, duration and progress, attempts.
/// A node with many children (a map's items) shows its failed ones first and at most `childLimit` of them,
/// unless asked for all.
enum TreeText {
    static let childLimit = 20

    static func render(_ v: RunView, color: Bool, allChildren: Bool = false) -> [String] {
        let limit = allChildren ? Int.max : childLimit
        var lines = ["run \(v.id)  \(paint(v.state, color))  \(duration(v.duration_ms))"]
        if v.steps.isEmpty {
            for n in v.nodes { node(n, depth: 1, limit, &lines, color) }
        } else {
            for s in v.steps {
                lines.append("  \(s.name)  \(paint(s.state, color))")
                for n in s.nodes { node(n, depth: 2, limit, &lines, color) }
            }
            for n in v.nodes where n.step == nil { node(n, depth: 1, limit, &lines, color) }
        }
        if let e = v.error { lines.append("error: \(TerminalText.visible(e))") }
        if let o = v.outputs, !o.isEmpty {
            lines.append("outputs: " + o.keys.sorted().map { "\($0)=\(TerminalText.visible("\(o[$0]!)"))" }.joined(separator: ", "))
        }
        return lines
    }

    private static func node(_ n: RunView.NodeView, depth: Int, _ limit: Int, _ lines: inout [String], _ color: Bool) {
        let pad = String(repeating: "  ", count: depth)
        var line = "\(pad)\(symbol(n.state)) \(n.id)  \(paint(n.state, color))"
        if let d = n.duration_ms, n.state != "pending", n.state != "skipped" { line += "  \(duration(d))" }
        let runAttempts = n.attempts.filter { $0.purpose == "run" }
        if runAttempts.count > 1 { line += "  attempt \(runAttempts.count)" }
        if let p = n.progress { line += "  \(Int((p * 100).rounded()))%" }
        if let m = n.message { line += "  \(TerminalText.visible(m))" }
        if n.children.count > 1, n.kind == "map" {
            let done = n.children.filter { $0.state == "succeeded" }.count
            let failed = n.children.filter { isFailure($0.state) }.count
            line += "  (\(done)/\(n.children.count) items\(failed > 0 ? ", \(failed) failed" : ""))"
        }
        if let g = n.gate {
            if let a = g.approved { line += "  \(a ? "approved" : "rejected") by \(TerminalText.visible(g.by ?? "?"))\(g.comment.map { ": \(TerminalText.visible($0))" } ?? "")" }
            else if n.state == "waiting", let v = g.value { line += "  value: \(v)" }
        }
        if let c = n.cache_hit_from { line += "  (cached from \(c))" }
        if let note = n.note, n.state == "skipped" { line += "  (\(note))" }
        lines.append(line)
        if let e = n.error, n.state != "skipped" { lines.append("\(pad)    \(TerminalText.visible(String(e.split(separator: "\n").first ?? "")))") }
        let shown = failedFirst(n.children)
        for c in shown.prefix(limit) { node(c, depth: depth + 1, limit, &lines, color) }
        if shown.count > limit {
            let hiddenFailures = shown.dropFirst(limit).filter { isFailure($0.state) }.count
            let failures = hiddenFailures > 0 ? "\(hiddenFailures) of them failed; " : ""
            lines.append("\(pad)    … \(shown.count - limit) more (\(failures)--all lists every one)")
        }
    }

    /// Failed children first (in their order), then the rest (in theirs): a failure never hides behind "… more".
    static func failedFirst(_ children: [RunView.NodeView]) -> [RunView.NodeView] {
        children.filter { isFailure($0.state) } + children.filter { !isFailure($0.state) }
    }

    static func isFailure(_ state: String) -> Bool { ["failed", "timed-out", "revert-failed"].contains(state) }

    static func symbol(_ state: String) -> String {
        switch state {
        case "succeeded": "✓"
        case "failed", "timed-out", "revert-failed": "✗"
        case "running", "queued": "▶"
        case "waiting": "⏸"
        case "skipped", "aborted": "-"
        case "reverted", "reverting": "↺"
        default: "·"
        }
    }

    static func paint(_ state: String, _ color: Bool) -> String {
        guard color else { return state }
        let code = switch state {
        case "succeeded": "32"
        case "failed", "timed-out", "revert-failed", "aborted": "31"
        case "running", "queued": "36"
        case "waiting": "33"
        default: "2"
        }
        return "\u{1B}[\(code)m\(state)\u{1B}[0m"
    }

    static func duration(_ ms: Int64?) -> String {
        guard let ms else { return "" }
        if ms < 1000 { return "\(ms)ms" }
        if ms < 60_000 { return String(format: "%.1fs", Double(ms) / 1000) }
        return "\(ms / 60_000)m\((ms % 60_000) / 1000)s"
    }
}
