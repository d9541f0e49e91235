import Foundation
import SluiceModel
import SluiceRuntime

/// Renders a `RunView` as the human tree: steps, nodes with their state, duration and progress, attempts.
/// A node with many children (a map's items) shows its failed ones first and at most `childLimit` of them,
/// unless asked for all. A waiting gate says what it waits for and the command that answers it.
enum TreeText {
    static let childLimit = 20

    /// How to draw: colours, every child, the server the run is on (appended to gate commands), and the
    /// terminal's height the tree must fit in (nil: any length).
    struct Style {
        var color = false
        var allChildren = false
        var server: String?
        var height: Int?
    }

    /// One piece of the tree: a node (its line and error line) or a line of the run itself.
    struct Row {
        enum Kind { case fixed, step, node, more }
        var kind: Kind
        var lines: [String]
        var state: String?
    }

    static func render(_ v: RunView, color: Bool, allChildren: Bool = false, server: String? = nil) -> [String] {
        render(v, Style(color: color, allChildren: allChildren, server: server))
    }

    static func render(_ v: RunView, _ style: Style) -> [String] {
        let rows = rows(v, style)
        guard let height = style.height else { return rows.flatMap(\.lines) }
        return fit(rows, height: height)
    }

    static func rows(_ v: RunView, _ style: Style) -> [Row] {
        // A tree that must fit a terminal lists every child and is summarised by `fit` instead.
        let limit = style.allChildren || style.height != nil ? Int.max : childLimit
        var header = "run \(v.id)  \(paint(v.state, style.color))  \(duration(v.duration_ms))"
        if let labels = v.labels, !labels.isEmpty {
            header += "  " + labels.keys.sorted().map { "\($0)=\(TerminalText.visible(labels[$0]!))" }.joined(separator: ",")
        }
        var rows = [Row(kind: .fixed, lines: [header])]
        let context = Context(run: v.id, limit: limit, style: style)
        if v.steps.isEmpty {
            for n in v.nodes { node(n, depth: 1, context, &rows) }
        } else {
            for s in v.steps {
                rows.append(Row(kind: .step, lines: ["  \(s.name)  \(paint(s.state, style.color))"], state: s.state))
                for n in s.nodes { node(n, depth: 2, context, &rows) }
            }
            for n in v.nodes where n.step == nil { node(n, depth: 1, context, &rows) }
        }
        if let e = v.error { rows.append(Row(kind: .fixed, lines: ["error: \(TerminalText.visible(e))"])) }
        if let o = v.outputs, !o.isEmpty {
            let text = "outputs: " + o.keys.sorted().map { "\($0)=\(TerminalText.visible("\(o[$0]!)"))" }.joined(separator: ", ")
            rows.append(Row(kind: .fixed, lines: [text]))
        }
        return rows
    }

    private struct Context {
        var run: String
        var limit: Int
        var style: Style
    }

    private static func node(_ n: RunView.NodeView, depth: Int, _ c: Context, _ rows: inout [Row]) {
        let pad = String(repeating: "  ", count: depth)
        var line = "\(pad)\(symbol(n.state)) \(n.id)  \(paint(n.state, c.style.color))"
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
            else if n.state == "waiting", let wait = waitingText(g, node: n.id, run: c.run, server: c.style.server) { line += "  " + wait }
            else if n.state == "waiting", let v = g.value { line += "  value: \(v)" }
        }
        if let cached = n.cache_hit_from { line += "  (cached from \(cached))" }
        if let note = n.note, n.state == "skipped" { line += "  (\(note))" }
        var lines = [line]
        if let e = n.error, n.state != "skipped" { lines.append("\(pad)    \(TerminalText.visible(String(e.split(separator: "\n").first ?? "")))") }
        rows.append(Row(kind: .node, lines: lines, state: n.state))
        let shown = failedFirst(n.children)
        for child in shown.prefix(c.limit) { node(child, depth: depth + 1, c, &rows) }
        if shown.count > c.limit {
            let hiddenFailures = shown.dropFirst(c.limit).filter { isFailure($0.state) }.count
            let failures = hiddenFailures > 0 ? "\(hiddenFailures) of them failed; " : ""
            rows.append(Row(kind: .more, lines: ["\(pad)    … \(shown.count - c.limit) more (\(failures)--all lists every one)"]))
        }
    }

    /// `waiting for approval · sluice approve RUN NODE`, or `waiting for a signal (float) · sluice signal RUN ID <float>`.
    static func waitingText(_ g: RunView.Gate, node: String, run: String, server: String?) -> String? {
        guard let command = answer(g, node: node, run: run, server: server) else { return nil }
        return (g.waits_for == "approval" ? "waiting for approval" : "waiting for a signal (\(g.type ?? "value"))") + " · " + command
    }

    /// The command that answers a waiting gate: `sluice approve RUN NODE` or `sluice signal RUN ID <type>`.
    static func answer(_ g: RunView.Gate, node: String, run: String, server: String?) -> String? {
        let target = server.map { " --server \(shellWord($0))" } ?? ""
        switch g.waits_for {
        case "approval":
            return "sluice approve \(shellWord(run)) \(shellWord(node))\(target)"
        case "signal":
            return "sluice signal \(shellWord(run)) \(shellWord(g.signal ?? node)) <\(g.type ?? "value")>\(target)"
        default:
            return nil
        }
    }

    /// A word a shell reads back as itself: quoted when it holds anything but letters, digits and `_ . - / : @`.
    static func shellWord(_ s: String) -> String {
        let plain = !s.isEmpty && s.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_.-/:@".unicodeScalars.contains($0))
        }
        return plain ? s : CommandTemplate.shellQuote(s)
    }

    /// The rows in at most `height - 1` lines: the run's own lines, then running, failed and waiting nodes,
    /// then steps, then the rest in order; what does not fit is summarised by state on one line.
    static func fit(_ rows: [Row], height: Int) -> [String] {
        let budget = max(height - 1, 1)
        guard rows.reduce(0, { $0 + $1.lines.count }) > budget else { return rows.flatMap(\.lines) }
        var keep = rows.map { $0.kind == .fixed }
        var used = rows.indices.filter { keep[$0] }.reduce(0) { $0 + rows[$1].lines.count } + 1
        let urgent: Set<String> = ["running", "queued", "failed", "timed-out", "revert-failed", "waiting", "reverting"]
        let passes: [(Row) -> Bool] = [
            { $0.kind == .node && urgent.contains($0.state ?? "") },
            { $0.kind == .step },
            { $0.kind == .node },
        ]
        for pass in passes {
            for i in rows.indices where !keep[i] && pass(rows[i]) && used + rows[i].lines.count <= budget {
                keep[i] = true
                used += rows[i].lines.count
            }
        }
        var left: [String: Int] = [:]
        for i in rows.indices where !keep[i] && rows[i].kind == .node { left[rows[i].state ?? "pending", default: 0] += 1 }
        let count = left.values.reduce(0, +)
        var lines = rows.indices.filter { keep[$0] }.flatMap { rows[$0].lines }
        if count > 0 {
            let parts = left.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { "\($0.value) \($0.key)" }
            // After the last node, before the run's error and outputs.
            let lastNode = rows.lastIndex { $0.kind != .fixed } ?? 0
            let trailing = rows[(lastNode + 1)...].reduce(0) { $0 + $1.lines.count }
            lines.insert("  … \(count) more node\(count == 1 ? "" : "s") (\(parts.joined(separator: ", ")))", at: max(lines.count - trailing, 1))
        }
        return lines
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
