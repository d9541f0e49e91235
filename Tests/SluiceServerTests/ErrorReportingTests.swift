import Foundation
import Logging
import SluiceServer
import SluiceStore
import XCTest

/// Failed requests are counted in `/metrics` and 5xx are logged with the run they are about.
final class ErrorReportingTests: XCTestCase {
    override class func setUp() {
        super.setUp()
        RecordedLogs.install()
    }

    func testClientErrorsAreCountedByStatusAndCode() throws {
        let server = try TestServer()
        defer { server.stop() }
        XCTAssertEqual(try server.client.get("/api/v1/runs/nope").status, 404)
        XCTAssertEqual(try server.client.get("/api/v1/runs/nope").status, 404)
        XCTAssertEqual(try server.client.get("/api/v1/runs?limit=0").status, 422)
        let samples = try MetricsTests.parse(server.client.get("/metrics").text)
        XCTAssertEqual(samples[#"sluice_api_errors_total{status="404",code="no-run"}"#], 2)
        XCTAssertEqual(samples[#"sluice_api_errors_total{status="422",code="invalid-query"}"#], 1)
    }

    func testAServerFailureAnswers500AndIsLoggedWithItsRunAndCounted() throws {
        let server = try TestServer()
        defer { server.stop() }
        // A finished run whose recorded flow is not a flow: reading it fails inside the server.
        try server.server.controller.store.createRun(NewRun(
            id: "broken", flow: "x", state: .succeeded, compiledFlow: Data("not a flow".utf8), inputs: Data("{}".utf8)))
        let reply = try server.client.get("/api/v1/runs/broken")
        XCTAssertEqual(reply.status, 500, reply.text)
        XCTAssertEqual(reply.error["code"] as? String, "internal")

        let logged = RecordedLogs.entries.filter { $0.label == "sluice.api" && $0.metadata["run"] == "broken" }
        XCTAssertEqual(logged.count, 1, "\(RecordedLogs.entries)")
        XCTAssertEqual(logged.first?.level, .error)
        XCTAssertEqual(logged.first?.metadata["status"], "500")
        XCTAssertEqual(logged.first?.metadata["path"], "/api/v1/runs/broken")
        let samples = try MetricsTests.parse(server.client.get("/metrics").text)
        XCTAssertEqual(samples[#"sluice_api_errors_total{status="500",code="internal"}"#], 1)
    }
}

/// A log handler that keeps every entry, installed once for the test process.
enum RecordedLogs {
    struct Entry: Sendable {
        var label: String
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var recorded: [Entry] = []
    private static let installed: Void = LoggingSystem.bootstrap { label in Handler(label: label) }

    static func install() { _ = installed }

    static var entries: [Entry] { lock.withLock { recorded } }

    struct Handler: LogHandler {
        let label: String
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }.mapValues { "\($0)" }
            let entry = Entry(label: label, level: event.level, message: "\(event.message)", metadata: all)
            RecordedLogs.lock.withLock { RecordedLogs.recorded.append(entry) }
        }
    }
}
