import Hummingbird
import SluiceRuntime
import Logging
import SluiceAPI
import SluiceStore

/// `GET /healthz` (the process answers) and `GET /readyz` (the store answers and the controller loop runs).
struct HealthRoutes {
    let controller: Controller
    var logger = Logger(label: "sluice.api")

    func add(to router: Router<APIContext>) {
        router.get("/healthz") { _, _ in try JSONResponse.make(.ok, Health()) }
        router.get("/readyz") { _, _ in try await readiness() }
    }

    func readiness() async throws -> Response {
        let storeAnswers: Bool
        do {
            _ = try await AsyncStore(controller.store).run { try $0.changeToken() }
            storeAnswers = true
        } catch {
            // Not ready is the answer; why is for the operator.
            logger.error("readiness: the store does not answer", metadata: ["error": "\(error)"])
            storeAnswers = false
        }
        // Writes that fail for the disk's sake (full, read-only): runs cannot advance, so not ready, and say why.
        let failing = controller.store.writeHealth.failing
        if let failing {
            logger.error("readiness: store writes fail", metadata: ["since": "\(failing.since)", "error": "\(failing.message)"])
        }
        let ready = Readiness(storeAnswers: storeAnswers, schedulerRuns: controller.isRunning, writeFailure: failing?.message)
        return try JSONResponse.make(ready.isReady ? .ok : .serviceUnavailable, ready)
    }
}
