import Foundation
import Hummingbird
import SluiceAPI
import SluiceModel
import SluiceRuntime
import SluiceStore

/// Approve, reject, signal, abort and pending gates: the same checks as `sluice approve/signal/abort`.
struct GateRoutes {
    let controller: Controller
    var store: Store { controller.store }
    /// The checks and inbox posts read and write the store: they run on store threads.
    var db: AsyncStore { AsyncStore(store) }

    func add(to router: Router<APIContext>) {
        router.post("/api/v1/runs/:id/abort") { request, context in try await abort(request, context) }
        router.post("/api/v1/runs/:id/nodes/:node/approve") { request, context in try await decide(request, context, approved: true) }
        router.post("/api/v1/runs/:id/nodes/:node/reject") { request, context in try await decide(request, context, approved: false) }
        router.post("/api/v1/runs/:id/signals/:signal") { request, context in try await signal(request, context) }
        router.get("/api/v1/runs/:id/gates") { _, context in
            let id = try await RunRef.resolve(context.parameters.require("id"), db)
            return try JSONResponse.make(.ok, GatePage(gates: try await db.run { try GateActions(store: $0, posted: controller.inboxPosted).pending(runID: id) }))
        }
    }

    func abort(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try await RunRef.resolve(context.parameters.require("id"), db)
        let body = try await JSONBody.decode(AbortRequest.self, from: request, emptyAs: AbortRequest())
        let actor = context.actor
        try await db.run { try GateActions(store: $0, posted: controller.inboxPosted).abort(runID: id, reason: body.reason ?? "aborted through the API", by: actor) }
        return try JSONResponse.make(.accepted, Accepted(run: id, action: "abort", by: actor))
    }

    func decide(_ request: Request, _ context: APIContext, approved: Bool) async throws -> Response {
        let id = try await RunRef.resolve(context.parameters.require("id"), db)
        let raw = try context.parameters.require("node")
        // Nodes inside a subflow or map (`sub/hold`, `m[1]`) arrive percent-encoded.
        let node = raw.removingPercentEncoding ?? raw
        let body = try await JSONBody.decode(Decision.self, from: request, emptyAs: Decision())
        let actor = context.actor
        try await db.run { try GateActions(store: $0, posted: controller.inboxPosted).decide(runID: id, node: node, approved: approved, comment: body.comment, by: actor) }
        return try JSONResponse.make(.accepted, Accepted(run: id, node: node, action: approved ? "approve" : "reject", by: actor))
    }

    func signal(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try await RunRef.resolve(context.parameters.require("id"), db)
        let signal = try context.parameters.require("signal")
        let body = try await JSONBody.decode(SignalRequest.self, from: request)
        let value: GateActions.SignalValue
        if let v = body.value { value = .value(v) } else if let t = body.text { value = .text(t) } else {
            throw APIError(.unprocessableContent, code: "missing-field", "the body needs 'value'", field: "value")
        }
        let actor = context.actor
        let typed = try await db.run { try GateActions(store: $0, posted: controller.inboxPosted).signal(runID: id, id: signal, value: value, comment: body.comment, by: actor) }
        return try JSONResponse.make(.accepted, Accepted(run: id, signal: signal, action: "signal", by: actor, value: typed))
    }
}
