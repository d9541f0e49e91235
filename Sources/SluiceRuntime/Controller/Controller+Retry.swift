import Foundation
import SluiceEngine
import SluiceModel
import SluiceStore

/// Why a run cannot be retried.
public enum RetryError: Error, CustomStringConvertible, Sendable {
    case noRun(String)
    case notFailed(run: String, state: String)

    public var description: String {
        switch self {
        case .noRun(let id): "no run '\(id)'"
        case .notFailed(let id, let state): "run '\(id)' is \(state); only a failed, aborted or timed-out run can be retried"
        }
    }
}

extension Controller {
    /// The states a run may be retried from.
    public static let retryable: Set<RunPhase> = [.failed, .aborted, .timedOut]

    /// Records a new run of a failed run's flow and inputs (its parent), in which the old run's top-level
    /// nodes that succeeded are already done with their old outputs; the rest runs again.
    /// Returns the new run's id and the reused node ids.
    @available(*, noasync, message: "reads and writes the store; from async code run it on a store thread")
    public func retry(_ oldID: String, by actor: String) throws -> (run: String, reused: [String]) {
        guard let stored = try store.loadRun(oldID) else { throw RetryError.noRun(oldID) }
        let summary = stored.run.summary
        guard Self.retryable.contains(summary.state) else { throw RetryError.notFailed(run: oldID, state: summary.state.rawValue) }
        let (flow, old) = try StateCoding.load(stored)
        let id = RunIDs.make(flow: flow.workflow.name)
        let now = Date()
        let header = SluiceEngine.RunState.new(id: id, flow: flow, inputs: old.header.inputs,
                                               at: Timestamp(milliseconds: Int64(now.timeIntervalSince1970 * 1000))).header
        let nodes = Self.reusedNodes(flow: flow, old: old, oldID: oldID)
        var run = NewRun(
            id: id, flow: summary.flow, flowVersion: summary.flowVersion, labels: summary.labels, created: now,
            compiledFlow: stored.run.compiledFlow, inputs: stored.run.inputs, header: StateCoding.encode(header),
            parentRunID: oldID,
            events: [NewEvent(kind: "run-created",
                              message: "retry of \(oldID) by \(actor), reusing \(nodes.count) node\(nodes.count == 1 ? "" : "s")")])
        run.nodes = nodes
        run.backend = backend.name
        try store.createRun(run)
        return (id, nodes.map(\.nodeID))
    }

    /// The old run's top-level nodes that succeeded, as final node rows of the new run: the engine treats them
    /// as done and starts the rest.
    static func reusedNodes(flow: CompiledFlow, old: SluiceEngine.RunState, oldID: String) -> [NodeUpdate] {
        flow.workflow.nodes.compactMap { def in
            guard var n = old.nodes[def.id], n.phase == .succeeded else { return nil }
            n.attempts = []
            n.note = "reused from \(oldID)"
            n.waitReason = nil
            n.wakeAt = nil
            n.progress = nil
            return NodeUpdate(nodeID: n.id, state: n.phase.rawValue, step: n.step, started: StateCoding.date(n.startedAt),
                              finished: StateCoding.date(n.finishedAt), data: StateCoding.encode(n))
        }
    }
}
