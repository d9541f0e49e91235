import Foundation
import SluiceEngine
import SluiceModel

/// The run as the CLI and the API show it: steps, their nodes, nested children (map items, branch cases, subflow nodes)
/// and attempts. Encodes to the JSON of `status -o json`.
public struct RunView: Codable {
    public struct Attempt: Codable {
        public var number: Int
        public var purpose: String
        public var state: String
        public var started: String?
        public var finished: String?
        public var exit_code: Int32?
        public var signal: Int32?
        public var error: String?
        public var max_rss_bytes: Int64?
        public var cpu_ms: Int64?
    }

    public struct Gate: Codable {
        public var approved: Bool?
        public var by: String?
        public var comment: String?
        public var at: String?
        public var value: LiteralValue?
    }

    public struct NodeView: Codable {
        public var id: String
        public var kind: String
        public var state: String
        public var step: String?
        public var started: String?
        public var finished: String?
        public var duration_ms: Int64?
        public var outputs: [String: LiteralValue]?
        public var error: String?
        public var note: String?
        public var progress: Double?
        public var message: String?
        public var metrics: [String: Double]?
        public var gate: Gate?
        public var cache_hit_from: String?
        public var attempts: [Attempt]
        public var children: [NodeView]
    }

    public struct StepView: Codable {
        public var name: String
        public var state: String
        public var nodes: [NodeView]
    }

    public var run: String
    public var id: String
    public var flow: String
    public var state: String
    public var created: String
    public var started: String?
    public var finished: String?
    public var duration_ms: Int64?
    public var inputs: [String: LiteralValue]
    public var outputs: [String: LiteralValue]?
    public var error: String?
    public var aborted_by: String?
    public var steps: [StepView]
    public var nodes: [NodeView]

    public init(flow: CompiledFlow, state: SluiceEngine.RunState, now: Timestamp) {
        let h = state.header
        run = h.id
        id = h.id
        self.flow = h.flow
        self.state = h.phase.rawValue
        created = Self.time(h.createdAt)!
        started = Self.time(h.startedAt)
        finished = Self.time(h.finishedAt)
        duration_ms = h.startedAt.map { (h.finishedAt ?? now).since($0) }
        inputs = h.inputs
        outputs = h.outputs
        error = h.failure?.message
        aborted_by = h.abort.map { "\($0.by): \($0.reason)" }
        let byParent = Self.childrenIndex(state)
        nodes = flow.workflow.nodes.map { Self.node($0.id, kind: $0.kind, step: $0.step, state, byParent, now) }
        if let f = flow.workflow.failureNode, state.nodes[f.id] != nil {
            nodes.append(Self.node(f.id, kind: f.kind, step: nil, state, byParent, now))
        }
        let views = Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, $0) })
        steps = flow.workflow.steps.map { s in
            let members = s.nodes.compactMap { views[$0] }
            return StepView(name: s.name, state: Self.aggregate(members.map(\.state)), nodes: members)
        }
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
                             _ byParent: [String: [String]], _ now: Timestamp) -> NodeView {
        let n = state.nodes[id]
        let children = (byParent[id] ?? []).map { c in node(c, kind: state.nodes[c]?.kind ?? "task", step: step, state, byParent, now) }
        return NodeView(
            id: id, kind: n?.kind.isEmpty == false ? n!.kind : kind, state: n?.phase.rawValue ?? "pending", step: step,
            started: time(n?.startedAt), finished: time(n?.finishedAt),
            duration_ms: n?.startedAt.map { (n?.finishedAt ?? now).since($0) }, outputs: n?.outputs, error: n?.failure?.message,
            note: n?.note, progress: n?.progress?.fraction, message: n?.progress?.message,
            metrics: (n?.progress?.metrics.isEmpty ?? true) ? nil : n?.progress?.metrics,
            gate: n?.gate.map { Gate(approved: $0.approved, by: $0.by, comment: $0.comment, at: time($0.at), value: $0.value) },
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
