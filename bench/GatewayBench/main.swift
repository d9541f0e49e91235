import Foundation
import Hummingbird
import Logging

// The app behind the gateway benchmark: answers GET / with a 2-byte body and /healthz, on $PORT (127.0.0.1).
// Small and fast on purpose, so the figures measure the gateway, not the app.
let port = Int(ProcessInfo.processInfo.environment["PORT"] ?? "") ?? 8080
let router = Router()
router.get("/") { _, _ in "ok" }
router.get("/healthz") { _, _ in "ok" }
var logger = Logger(label: "bench-app")
logger.logLevel = .warning
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
try await app.runService()
