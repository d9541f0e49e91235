import Hummingbird
import SluiceModel
import SluiceRuntime
import SluiceStore

/// `GET /metrics`: Prometheus text. Run gauges come from the store (every server sharing it reports the same),
/// counters and histograms from this server's drivers.
struct MetricsRoutes {
    let controller: Controller
    let metrics: ServerMetrics

    func add(to router: Router<APIContext>) {
        router.get("/metrics") { _, _ in try await render() }
    }

    func render() async throws -> Response {
        let counts = try await AsyncStore(controller.store).run { try $0.runStateCounts() }
        let (transitions, attempts, steps, failures) = metrics.snapshot()
        var out = Exposition()
        out.gauge("sluice_runs", help: "Runs in the store by state.",
                  samples: RunPhase.allCases.map { ([("state", $0.rawValue)], Double(counts[$0] ?? 0)) })
        out.gauge("sluice_queue_depth", help: "Runs waiting for a worker (state queued).",
                  samples: [([], Double(counts[.queued] ?? 0))])
        out.counter("sluice_node_transitions_total", help: "Nodes that reached an end state under this server's drivers, by state.",
                    samples: transitions.sorted { $0.key < $1.key }.map { ([("state", $0.key)], Double($0.value)) })
        let controllerCounts = controller.metrics.snapshot()
        for c in ControllerMetrics.Counter.allCases {
            out.counter("sluice_controller_\(c.rawValue)_total", help: "Controller: \(c.rawValue.replacingOccurrences(of: "_", with: " ")).",
                        samples: [([], Double(controllerCounts[c] ?? 0))])
        }
        let health = controller.store.writeHealth
        out.counter("sluice_store_write_failures_total", help: "Store writes that failed because of the disk or the file (full, read-only, I/O).",
                    samples: [([], Double(health.failuresSoFar))])
        out.gauge("sluice_store_writable", help: "1 when the latest store write succeeded (or none failed), 0 while writes fail.",
                  samples: [([], health.failing == nil ? 1 : 0)])
        out.histogram("sluice_attempt_duration_seconds", help: "Duration of finished attempts, start to exit.", attempts)
        out.counter("sluice_api_errors_total", help: "API requests answered with an error (and streamed responses that failed), by status and code.",
                    samples: failures.sorted { $0.key < $1.key }.map { ([("status", String($0.key.status)), ("code", $0.key.code)], Double($0.value)) })
        out.histogram("sluice_step_latency_seconds", help: "Time from a node's end to the start of the next task's first attempt in the same run.", steps)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: out.text)))
    }
}
