import Foundation
import Hummingbird
import SluiceAPI
import SluiceEngine
import SluiceModel
import SluiceRuntime
import SluiceStore

/// `POST /api/v1/runs/{id}/retry`: a new run of a failed run's flow and inputs that reuses the outputs of the
/// nodes that succeeded and runs the rest again.
struct RetryRoutes {
    let controller: Controller

    func add(to router: Router<APIContext>) {
        router.post("/api/v1/runs/:id/retry") { _, context in 
            try await retry(RunRef.resolve(context.parameters.require("id"), AsyncStore(controller.store)), by: context.actor)
        }
    }

    func retry(_ oldID: String, by actor: String) async throws -> Response {
        let controller = self.controller
        do {
            // The retry reads the old run and writes the new one: on a store thread.
            let (id, reused) = try await AsyncStore(controller.store).run { _ in try controller.retry(oldID, by: actor) }
            controller.poke()
            return try JSONResponse.make(.created, Retried(run: id, state: "queued", retry_of: oldID, reused: reused))
        } catch RetryError.noRun {
            throw APIError(.notFound, code: "no-run", "no run '\(oldID)'")
        } catch let e as RetryError {
            throw APIError(.conflict, code: "not-failed", e.description)
        }
    }
}
