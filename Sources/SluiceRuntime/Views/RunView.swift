import Foundation
@_exported import SluiceAPI
import SluiceEngine
import SluiceModel

/// Builds the API's run tree (`RunView`, defined with the other wire types in SluiceAPI) from a run's state.
/// SluiceAPI is re-exported: every user of the runtime sees the one definition of the run tree and its gates.
extension RunView {
    public init(flow: CompiledFlow, state: SluiceEngine.RunState, now: Timestamp, labels: [String: String]? = nil) {
        let h = state.header
        let byParent = Self.childrenIndex(state)
        let waiting = Dictionary(GateActions.pending(flow: flow, state: state).map { ($0.node, $0) }, uniquingKeysWith: { a, _ in a })
        var nodes = flow.workflow.nodes.map { Self.node($0.id, kind: $0.kind, step: $0.step, state, byParent, waiting, now) }
        if let f = flow.workflow.failureNode, state.nodes[f.id] != nil {
            nodes.append(Self.node(f.id, kind: f.kind, step: nil, state, byParent, waiting, now))
        }
        let views = Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, $0) })
        let steps = flow.workflow.steps.map { s in
            let members = s.nodes.compactMap { views[$0] }
            return StepView(name: s.name, state: Self.aggregate(members.map(\.state)), nodes: members)
        }
        self.init(
            run: h.id, id: h.id, flow: h.flow, state: h.phase.rawValue, created: Self.time(h.createdAt)!,
            started: Self.time(h.startedAt), finished: Self.time(h.finishedAt),
            duration_ms: h.startedAt.map { (h.finishedAt ?? now).since($0) }, inputs: h.inputs, outputs: h.outputs,
            error: h.failure?.message, aborted_by: h.abort.map { "\($0.by): \($0.reason)" },
            labels: labels.flatMap { $0.isEmpty ? nil : $0 }, steps: steps, nodes: nodes)
    }

    /// Direct children of each node id: `m[0]`, `check/case-0`, `sub/a` (ids under a subflow's prefix).
    private static func childrenIndex(_ state: SluiceEngine.RunState) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for id in state.nodes.keys {
            if id.hasSuffix("]"), let open = id.lastIndex(of: "[") {
                out[String(id[..<open]), default: []].append(id)
            } else if let slash = id.lastIndex(of: "/") {
                out[String(id[..<slash]), default: []].append(id)
            }
        }
        return out.mapValues { $0.sorted(by: naturalOrder) }
    }

    /// `m[2]` before `m[10]`.
    public static func naturalOrder(_ a: String, _ b: String) -> Bool {
        a.compare(b, options: .numeric) == .orderedAscending
    }

    private static func node(_ id: String, kind: String, step: String?, _ state: SluiceEngine.RunState,
                             _ byParent: [String: [String]], _ waiting: [String: PendingGate], _ now: Timestamp) -> NodeView {
        let n = state.nodes[id]
        let children = (byParent[id] ?? []).map { c in node(c, kind: state.nodes[c]?.kind ?? "task", step: step, state, byParent, waiting, now) }
        var gate = n?.gate.map { Gate(approved: $0.approved, by: $0.by, comment: $0.comment, at: time($0.at), value: $0.value) }
        if let w = waiting[id] {
            gate = gate ?? Gate()
            gate?.waits_for = w.waitsFor
            gate?.signal = w.signal
            gate?.type = w.type
        }
        return NodeView(
            id: id, kind: n?.kind.isEmpty == false ? n!.kind : kind, state: n?.phase.rawValue ?? "pending", step: step,
            started: time(n?.startedAt), finished: time(n?.finishedAt),
            duration_ms: n?.startedAt.map { (n?.finishedAt ?? now).since($0) }, outputs: n?.outputs, error: n?.failure?.message,
            note: n?.note, progress: n?.progress?.fraction, message: n?.progress?.message,
            metrics: (n?.progress?.metrics.isEmpty ?? true) ? nil : n?.progress?.metrics,
            gate: gate,
            cache_hit_from: n?.cacheHitFrom,
            attempts: (n?.attempts ?? []).map { a in
                Attempt(number: a.number, purpose: a.purpose.rawValue, state: a.phase.rawValue, started: time(a.startedAt),
                        finished: time(a.finishedAt), exit_code: a.exitCode, signal: a.signal, error: a.failure?.message,
                        max_rss_bytes: a.maxRSSBytes, cpu_ms: a.cpuMillis)
            },
            children: children)
    }

    public static func aggregate(_ states: [String]) -> String {
        let order = ["failed", "timed-out", "revert-failed", "aborted", "running", "queued", "waiting", "reverting", "pending", "reverted", "skipped", "succeeded"]
        return order.first { states.contains($0) } ?? "pending"
    }

    public static func time(_ t: Timestamp?) -> String? {
        t.map { iso(Date(timeIntervalSince1970: Double($0.milliseconds) / 1000)) }
    }

    /// ISO 8601 with milliseconds (`2026-11-25T18:42:36.286Z`), the one time format of the CLI and API.
    /// A format style is a value: no formatter object is built per call (a tree prints three times per node).
    public static func iso(_ d: Date) -> String { isoStyle.format(d) }

    private static let isoStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
