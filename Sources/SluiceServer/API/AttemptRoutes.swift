import Foundation
import Hummingbird
import SluiceAPI
import SluiceRuntime
import SluiceStore

/// `GET /api/v1/runs/{id}/nodes/{node}/attempts/{attempt}`: one attempt with where it ran (process, container or
/// pod, as its backend recorded them in the attempt folder) and, on Kubernetes, the Events about its pod.
struct AttemptRoutes {
    let store: Store
    var db: AsyncStore { AsyncStore(store) }

    func add(to router: Router<APIContext>) {
        router.get("/api/v1/runs/:id/nodes/:node/attempts/:attempt") { request, context in
            // Nested and map-item ids (`sub/child`, `fit[3]`) arrive percent-encoded in one path segment.
            let node = try context.parameters.require("node")
            let id = try await RunRef.resolve(context.parameters.require("id"), db)
            return try await detail(request, id: id, node: node.removingPercentEncoding ?? node,
                                    attempt: context.parameters.require("attempt"))
        }
    }

    func detail(_ request: Request, id: String, node: String, attempt text: String) async throws -> Response {
        guard let number = Int(text), number >= 1 else {
            throw APIError(.unprocessableContent, code: "invalid-path", "attempt must be a whole number from 1, not '\(text)'", field: "attempt")
        }
        let purpose = try Self.purpose(request)
        // Store rows and the attempt folder's files: blocking reads, on a store thread.
        let found = try await db.run { store -> AttemptDetail?? in
            guard let backend = try store.backend(ofRun: id) else { return .none }
            guard let a = try store.attempts(runID: id, nodeID: node).first(where: { $0.attempt == number && $0.purpose == purpose }) else {
                return .some(nil)
            }
            return AttemptDetail(number: a.attempt, purpose: a.purpose.rawValue, state: a.state, backend: backend, readingFolder: a.logDirectory)
        }
        guard let found else { throw APIError(.notFound, code: "no-run", "no run '\(id)'") }
        guard let detail = found else {
            throw APIError(.notFound, code: "no-attempt", "node '\(node)' of run '\(id)' has no \(purpose.rawValue) attempt \(number)", field: "attempt")
        }
        return try JSONResponse.make(.ok, detail)
    }

    /// `?purpose=run|revert`, `run` when absent.
    static func purpose(_ request: Request) throws -> AttemptPurpose {
        guard let p = request.uri.queryParameters["purpose"] else { return .run }
        guard let chosen = AttemptPurpose(rawValue: String(p)) else {
            throw APIError(.unprocessableContent, code: "invalid-query", "purpose must be run or revert", field: "purpose")
        }
        return chosen
    }
}
