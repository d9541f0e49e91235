import Foundation
import Hummingbird
import SluiceModel
import SluiceRuntime
import SluiceStore

/// Approve, reject, signal, abort and pending gates: the same checks as `sluice approve/signal/abort`.
struct GateRoutes {
    let controller: Controller
    var store: Store { controller.store }
    var actions: GateActions { GateActions(store: store, posted: controller.inboxPosted) }

    func add(to router: Router<APIContext>) {
        router.post("/api/v1/runs/:id/abort") { request, context in try await abort(request, context) }
        router.post("/api/v1/runs/:id/nodes/:node/approve") { request, context in try await decide(request, context, approved: true) }
        router.post("/api/v1/runs/:id/nodes/:node/reject") { request, context in try await decide(request, context, approved: false) }
        router.post("/api/v1/runs/:id/signals/:signal") { request, context in try await signal(request, context) }
        router.get("/api/v1/runs/:id/gates") { _, context in
            let id = try context.parameters.require("id")
            return JSONResponse.make(.ok, ["gates": try actions.pending(runID: id)])
        }
    }

    struct AbortBody: Decodable { var reason: String? }
    struct DecisionBody: Decodable { var comment: String? }
    struct SignalBody: Decodable {
        var value: LiteralValue?
        /// The value as typed on a command line, read by the gate's type (what `sluice signal --server` sends).
        var text: String?
        var comment: String?
    }

    /// What the API answers for an accepted request: it is posted to the run's inbox, applied within ~100 ms.
    struct Accepted: Encodable {
        var run: String
        var node: String?
        var signal: String?
        var action: String
        var by: String
        var value: LiteralValue?
    }

    func abort(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let body = try await JSONBody.decode(AbortBody.self, from: request, emptyAs: AbortBody())
        try actions.abort(runID: id, reason: body.reason ?? "aborted through the API", by: context.actor)
        return JSONResponse.make(.accepted, Accepted(run: id, action: "abort", by: context.actor))
    }

    func decide(_ request: Request, _ context: APIContext, approved: Bool) async throws -> Response {
        let id = try context.parameters.require("id")
        let raw = try context.parameters.require("node")
        // Nodes inside a subflow or map (`sub/hold`, `m[1]`) arrive percent-encoded.
        let node = raw.removingPercentEncoding ?? raw
        let body = try await JSONBody.decode(DecisionBody.self, from: request, emptyAs: DecisionBody())
        try actions.decide(runID: id, node: node, approved: approved, comment: body.comment, by: context.actor)
        return JSONResponse.make(.accepted, Accepted(run: id, node: node, action: approved ? "approve" : "reject", by: context.actor))
    }

    func signal(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let signal = try context.parameters.require("signal")
        let body = try await JSONBody.decode(SignalBody.self, from: request)
        let value: GateActions.SignalValue
        if let v = body.value { value = .value(v) } else if let t = body.text { value = .text(t) } else {
            throw APIError(.unprocessableContent, code: "missing-field", "the body needs 'value'", field: "value")
        }
        let typed = try actions.signal(runID: id, id: signal, value: value, comment: body.comment, by: context.actor)
        return JSONResponse.make(.accepted, Accepted(run: id, signal: signal, action: "signal", by: context.actor, value: typed))
    }
}
