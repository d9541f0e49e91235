import Foundation
import Hummingbird
import SluiceAPI
import SluiceEngine
import SluiceRuntime

/// `POST /api/v1/callbacks/{run}/{node}/{attempt}`: a running task reports progress, metrics or a heartbeat.
/// No user token: `Authorization: Bearer` carries the attempt's own callback token (`SLUICE_CALLBACK_TOKEN`),
/// valid for that one attempt only. `?purpose=revert` addresses a revert attempt.
struct CallbackRoutes {
    let controller: Controller

    func add(to router: Router<APIContext>) {
        router.post("/api/v1/callbacks/:run/:node/:attempt") { request, context in
            let raw = { (name: String) throws -> String in
                let v = try context.parameters.require(name)
                return v.removingPercentEncoding ?? v
            }
            let run = try raw("run"), node = try raw("node"), attemptText = try raw("attempt")
            let purpose = request.uri.queryParameters["purpose"].map(String.init) ?? "run"
            guard let attempt = Int(attemptText), attempt >= 0, purpose == "run" || purpose == "revert" else {
                throw APIError(.notFound, code: "no-attempt", "no attempt '\(attemptText)' (purpose \(purpose))")
            }
            // The callback key is read from the store folder: a failure there is the server's (500), not a refusal.
            let tokens = try await AsyncStore(controller.store).run { _ in try controller.callbackTokens() }
            guard let token = TokenAuthMiddleware.bearer(request.headers[.authorization]),
                  tokens.verify(token, runID: run, node: node, attempt: attempt, purpose: purpose) else {
                return TokenAuthMiddleware.unauthorized("send the attempt's callback token: 'Authorization: Bearer $SLUICE_CALLBACK_TOKEN'")
            }
            let bytes = Data(try await request.body.collect(upTo: APIServer.maxBodyBytes).readableBytesView)
            let body = try JSONBody.decode(CallbackReport.self, data: bytes, emptyAs: CallbackReport())
            let ref = AttemptRef(node: node, attempt: attempt, purpose: purpose == "revert" ? .revert : .run)
            let isHeartbeat = body.isHeartbeat
            let observation: Observation = isHeartbeat
                ? .heartbeat(ref)
                : .progress(ref, Progress(fraction: body.progress, message: body.message, metrics: body.metrics ?? [:]))
            switch controller.deliver(run, observation) {
            case .delivered: break
            case .runNotDriven:
                // The run moved to another server over the same store (a restart, a failover): the task still
                // calls the address it was given, so relay the callback to the server that drives the run now.
                let relayed = request.headers.contains { $0.name.canonicalName == CallbackRelay.header.lowercased() }
                if !relayed, let reply = try await relay(run: run, request: request, body: bytes) {
                    return Response(status: .init(code: reply.status), headers: [.contentType: "application/json; charset=utf-8"],
                                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
                }
                throw APIError(.notFound, code: "run-not-driven", "run '\(run)' is not being driven by this server")
            case .notRunning:
                throw APIError(.conflict, code: "attempt-not-running", "attempt \(ref) of run '\(run)' is not running")
            }
            return try JSONResponse.make(.accepted, CallbackAccepted(accepted: isHeartbeat ? "heartbeat" : "progress"))
        }
    }

    /// Sends the callback on to the server whose lease drives `run`, if it is another one that recorded where
    /// it listens; nil when there is none to relay to.
    private func relay(run: String, request: Request, body: Data) async throws -> CallbackRelay.Reply? {
        let controller = self.controller
        let path = request.uri.description, authorization = request.headers[.authorization]
        let registry = ServerRegistry(storeDirectory: controller.directory)
        return try await AsyncStore(controller.store).run { store -> CallbackRelay.Reply? in
            guard let lease = try store.lease(runID: run), lease.expires > Date(), lease.owner != controller.options.owner.name,
                  let base = registry.url(owner: lease.owner) else { return nil }
            return CallbackRelay.post(base: base, path: path, authorization: authorization, body: Array(body))
        }
    }
}
