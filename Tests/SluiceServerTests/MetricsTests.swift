import Foundation
import XCTest

/// `GET /metrics` after real runs: Prometheus text that parses, with the series the issue names.
final class MetricsTests: XCTestCase {
    static let chain = """
        name: chain
        tasks:
          work:
            command: [sh, -c, "echo '{}' > $SLUICE_OUTPUTS"]
        nodes:
          - {id: a, task: work}
          - {id: b, task: work, after: [a]}
        """

    func testAScrapeAfterARunParsesAndCountsWhatHappened() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Self.chain, "run_id": "m1"]).status, 201)
        try server.waitForRun("m1", in: ["succeeded"])

        let reply = try c.get("/metrics")
        XCTAssertEqual(reply.status, 200)
        let samples = try Self.parse(reply.text)
        XCTAssertEqual(samples[#"sluice_runs{state="succeeded"}"#], 1)
        XCTAssertEqual(samples[#"sluice_runs{state="failed"}"#], 0)
        XCTAssertEqual(samples["sluice_queue_depth"], 0)
        XCTAssertEqual(samples[#"sluice_node_transitions_total{state="succeeded"}"#], 2)
        XCTAssertEqual(samples["sluice_attempt_duration_seconds_count"], 2)
        XCTAssertEqual(samples[#"sluice_attempt_duration_seconds_bucket{le="+Inf"}"#], 2)
        XCTAssertEqual(samples[#"sluice_attempt_duration_seconds_bucket{le="600"}"#], 2)
        XCTAssertEqual(samples["sluice_step_latency_seconds_count"], 1, "a's end to b's start")
        XCTAssertGreaterThanOrEqual(samples["sluice_step_latency_seconds_sum"] ?? -1, 0)
    }

    func testQueueDepthCountsRunsNoWorkerHasTaken() throws {
        let server = try TestServer()
        defer { server.stop() }
        server.server.controller.stop()
        for i in 1...3 { XCTAssertEqual(try server.client.post("/api/v1/runs", json: ["flow": Self.chain, "run_id": "q\(i)"]).status, 201) }
        let samples = try Self.parse(try server.client.get("/metrics").text)
        XCTAssertEqual(samples["sluice_queue_depth"], 3)
        XCTAssertEqual(samples[#"sluice_runs{state="queued"}"#], 3)
    }

    /// Samples by `name{labels}`, checking every line is a comment or `series value`, and every series has a TYPE.
    static func parse(_ text: String) throws -> [String: Double] {
        var typed: Set<String> = []
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                XCTAssertEqual(parts.count, 4, String(line))
                XCTAssertTrue(["counter", "gauge", "histogram"].contains(String(parts[3])), String(line))
                typed.insert(String(parts[2]))
                continue
            }
            if line.hasPrefix("#") { continue }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                throw XCTSkip("unparsable line: \(line)")
            }
            let series = String(line[..<space])
            let name = String(series.prefix { $0 != "{" })
            let family = ["_bucket", "_sum", "_count"].reduce(name) { n, s in typed.contains(n) ? n : (n.hasSuffix(s) ? String(n.dropLast(s.count)) : n) }
            XCTAssertTrue(typed.contains(family), "no TYPE for \(name)")
            samples[series] = value
        }
        return samples
    }
}
