import Foundation
import SluiceAPI
import SluiceEngine
import SluiceModel
import SluiceStore

/// Approvals, signals and aborts as people send them, checked against the run before they are posted to its
/// inbox: one implementation for `sluice approve/signal/abort` and the HTTP API.
public struct GateActions: Sendable {
    /// A signal's value as it arrived: text from a command line, or a JSON value from an API body.
    public enum SignalValue: Sendable {
        case text(String)
        case value(LiteralValue)
    }

    public let store: Store
    /// Told the run id after a message is posted (a controller in this process reconciles it at once).
    public let posted: @Sendable (String) -> Void

    public init(store: Store, posted: @escaping @Sendable (String) -> Void = { _ in }) {
        self.store = store
        self.posted = posted
    }

    /// Records a verdict for approve gate `node`, which must be waiting. A rejection needs a comment.
    public func decide(runID: String, node: String, approved: Bool, comment: String?, by: String) throws {
        if !approved && (comment ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw RunActionError(.invalid, code: "comment-required", "rejecting needs a comment saying why", field: "comment")
        }
        let (flow, state) = try unfinishedRun(runID)
        let gates = GateLookup.approvalGates(in: flow)
        let list = gates.isEmpty ? "none" : gates.joined(separator: ", ")
        let isApproveGate: Bool = if case .gate(.approve)? = NodeResolver(flow: flow, state: state).node(node)?.node.kind { true }
            else if state.nodes[node] == nil, case .approve? = GateLookup.gate(forNode: node, in: flow) { true } else { false }
        guard let n = state.nodes[node] else {
            if isApproveGate {
                throw RunActionError(.conflict, code: "gate-not-waiting", "node '\(node)' is not waiting for approval yet (pending)")
            }
            throw RunActionError(.notFound, code: "no-gate", "'\(node)' is not an approval gate of run \(runID); its approval gates: \(list)")
        }
        guard n.kind == "gate", n.waitReason == .approval || n.gate?.approved != nil || isApproveGate else {
            throw RunActionError(.notFound, code: "no-gate", "'\(node)' is a \(n.kind) node, not an approval gate; its approval gates: \(list)")
        }
        guard n.phase == .waiting, n.waitReason == .approval else {
            throw RunActionError(.conflict, code: "gate-not-waiting", "node '\(node)' is not waiting for approval (it is \(n.phase.rawValue))")
        }
        let payload = Data(TypedValues.json(.map(["approved": .bool(approved)])).utf8)
        // The first decision since the gate began waiting wins; a later one is told what it lost to.
        let message = InboxMessage(runID: runID, kind: .approval, target: node, payload: payload, by: by, comment: comment)
        if case .preceded(let first) = try store.postFirst(message, since: StateCoding.date(n.startedAt)) {
            let verdict = (first.message.payload.flatMap { try? JSONSerialization.jsonObject(with: $0) } as? [String: Any])?["approved"] as? Bool
            let what = verdict == true ? "approved" : verdict == false ? "rejected" : "decided"
            let said = first.message.comment.map { ": \($0.debugDescription)" } ?? ""
            throw RunActionError(.conflict, code: "gate-decided",
                                 "gate '\(node)' was already \(what) by \(first.message.by) at \(RunView.iso(first.message.created))\(said)")
        }
        posted(runID)
    }

    /// Sends signal `id` to the run, typed against its gate's declared type; returns the typed value.
    /// A signal may arrive before its gate is reached: the gate takes it when it is.
    @discardableResult
    public func signal(runID: String, id: String, value: SignalValue, comment: String?, by: String) throws -> LiteralValue {
        let (flow, state) = try unfinishedRun(runID)
        guard let type = GateLookup.signalType(id, in: flow) else {
            let ids = GateLookup.signalIDs(in: flow)
            throw RunActionError(.notFound, code: "no-signal", "run \(runID) has no signal gate '\(id)'; its signals: \(ids.isEmpty ? "none" : ids.joined(separator: ", "))")
        }
        let typed: Result<LiteralValue, TypedValueError> = switch value {
        case .text(let t): TypedValues.parse(t, as: type)
        case .value(let v): TypedValues.coerce(v, to: type)
        }
        switch typed {
        case .success(let v):
            // Of two signals sent before their gate takes one, the first wins; the second is told about it.
            let message = InboxMessage(runID: runID, kind: .signal, target: id, payload: Data(TypedValues.json(v).utf8), by: by, comment: comment)
            if let pending = state.header.signals[id], pending.consumedBy == nil {
                throw RunActionError(.conflict, code: "signal-pending",
                                     "signal '\(id)' was already sent by \(pending.by) at \(RunView.time(pending.at) ?? "?") (value \(TypedValues.json(pending.value))); its gate has not taken it yet")
            }
            if case .preceded(let first) = try store.postFirst(message) {
                let value = first.message.payload.map { String(decoding: $0, as: UTF8.self) } ?? "?"
                throw RunActionError(.conflict, code: "signal-pending",
                                     "signal '\(id)' was already sent by \(first.message.by) at \(RunView.iso(first.message.created)) (value \(value)); its gate has not taken it yet")
            }
            posted(runID)
            // An earlier signal the controller took into the run between the state read above and the post is no
            // longer in the inbox for postFirst to see; the run's state shows it now, and the engine will ignore
            // this one (its `signal-ignored` event records it), so the sender is told as if it had been refused.
            if let stored = try store.loadRun(runID), let (_, now) = try? StateCoding.load(stored),
               let pending = now.header.signals[id], pending.consumedBy == nil, !(pending.by == by && pending.value == v) {
                throw RunActionError(.conflict, code: "signal-pending",
                                     "signal '\(id)' was already sent by \(pending.by) at \(RunView.time(pending.at) ?? "?") (value \(TypedValues.json(pending.value))); its gate has not taken it yet")
            }
            return v
        case .failure(let e):
            throw RunActionError(.invalid, code: "wrong-type", "signal '\(id)': \(e.message)", field: "value")
        }
    }

    /// Asks the run's controller to stop it.
    public func abort(runID: String, reason: String, by: String) throws {
        _ = try unfinishedRun(runID)
        try store.post(InboxMessage(runID: runID, kind: .abort, by: by, comment: reason))
        posted(runID)
    }

    /// The run's gates that wait for a person or a signal now.
    public func pending(runID: String) throws -> [PendingGate] {
        guard let stored = try store.loadRun(runID) else { throw Self.noRun(runID) }
        let (flow, state) = try StateCoding.load(stored)
        return Self.pending(flow: flow, state: state)
    }

    /// The waiting approve and signal gates of a loaded run, in node order. One pass over the run's nodes:
    /// each waiting gate is resolved through the run's scopes, so a nested gate is labelled as itself.
    public static func pending(flow: CompiledFlow, state: SluiceEngine.RunState) -> [PendingGate] {
        let resolver = NodeResolver(flow: flow, state: state)
        let waiting = state.nodes.values.filter { $0.phase == .waiting && ($0.waitReason == .approval || $0.waitReason == .signal) }
        return waiting.sorted { RunView.naturalOrder($0.id, $1.id) }.compactMap { n in
            let since = RunView.time(n.startedAt)
            guard case .gate(let gate)? = resolver.node(n.id)?.node.kind else { return nil }
            switch gate {
            case .approve(_, let message):
                return PendingGate(node: n.id, kind: "approve", message: message, since: since)
            case .signal(let id, let type):
                return PendingGate(node: n.id, kind: "signal", signal: id, type: type.description, since: since)
            default:
                return nil
            }
        }
    }

    static func noRun(_ id: String) -> RunActionError {
        RunActionError(.notFound, code: "no-run", "no run '\(id)'")
    }

    private func unfinishedRun(_ runID: String) throws -> (CompiledFlow, SluiceEngine.RunState) {
        guard let stored = try store.loadRun(runID) else { throw Self.noRun(runID) }
        let (flow, state) = try StateCoding.load(stored)
        if state.header.phase.isFinal {
            throw RunActionError(.conflict, code: "run-finished", "run \(runID) has already finished (\(state.header.phase.rawValue))")
        }
        return (flow, state)
    }
}
