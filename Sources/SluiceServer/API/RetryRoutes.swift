import Foundation
import Hummingbird
import SluiceEngine
import SluiceModel
import SluiceRuntime
import SluiceStore

/// `POST /api/v1/runs/{id}/retry`: a new run of a failed run's flow and inputs that reuses the outputs of the
/// nodes that succeeded and runs the rest again.
struct RetryRoutes {
    let scheduler: RunScheduler
    var store: Store { scheduler.controller.store }

    /// Run states a retry may start from.
    static let retryable: Set<SluiceStore.RunState> = [.failed, .aborted, .timedOut]

    func add(to router: Router<APIContext>) {
        router.post("/api/v1/runs/:id/retry") { _, context in try retry(context.parameters.require("id"), by: context.actor) }
    }

    struct Reply: Encodable {
        var run: String
        var state: String
        var retry_of: String
        var reused: [String]
    }

    func retry(_ oldID: String, by actor: String) throws -> Response {
        guard let stored = try store.loadRun(oldID) else { throw APIError(.notFound, code: "no-run", "no run '\(oldID)'") }
        let summary = stored.run.summary
        guard Self.retryable.contains(summary.state) else {
            throw APIError(.conflict, code: "not-failed",
                           "run '\(oldID)' is \(summary.state.rawValue); only a failed, aborted or timed-out run can be retried")
        }
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
        try store.createRun(run)
        scheduler.poke()
        return JSONResponse.make(.created, Reply(run: id, state: "queued", retry_of: oldID, reused: nodes.map(\.nodeID)))
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
