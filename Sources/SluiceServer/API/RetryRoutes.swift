import Foundation
import Hummingbird
import SluiceEngine
import SluiceModel
import SluiceRuntime
import SluiceStore

/// `POST /api/v1/runs/{id}/retry`: a new run of a failed run's flow and inputs that reuses the outputs of the
/// nodes that succeeded and runs the rest again.
struct RetryRoutes {
    let controller: Controller

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
        do {
            let (id, reused) = try controller.retry(oldID, by: actor)
            controller.poke()
            return JSONResponse.make(.created, Reply(run: id, state: "queued", retry_of: oldID, reused: reused))
        } catch RetryError.noRun {
            throw APIError(.notFound, code: "no-run", "no run '\(oldID)'")
        } catch let e as RetryError {
            throw APIError(.conflict, code: "not-failed", e.description)
        }
    }
}
