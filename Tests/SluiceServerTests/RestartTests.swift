import Foundation
import XCTest

/// `sluice serve` as a real process: stopped with SIGTERM mid-run, started again on the same store.
final class RestartTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let binary: URL = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("sluice")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return root.appendingPathComponent(".build/debug/sluice")
    }()

    /// A running `sluice serve` and the port it reported.
    struct Serve {
        let process: Process
        let port: Int
        /// The admin token the server wrote to its store on loopback.
        let token: String

        init(store: String) throws {
            process = Process()
            process.executableURL = RestartTests.binary
            process.arguments = ["serve", "--store", store, "--listen", "127.0.0.1:0"]
            let err = Pipe()
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            var text = ""
            var port = 0
            let deadline = Date().addingTimeInterval(20)
            while port == 0 && Date() < deadline {
                let data = err.fileHandleForReading.availableData
                if data.isEmpty { break }
                text += String(decoding: data, as: UTF8.self)
                if let r = text.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                    port = Int(text[r].split(separator: ":").last ?? "") ?? 0
                }
            }
            guard port != 0 else {
                process.terminate()
                throw LoopbackClient.Failure.badReply("sluice serve did not start: \(text)")
            }
            self.port = port
            token = try String(contentsOfFile: store + "/admin.token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// SIGTERM, then waits up to 15 s for the exit (SIGKILL after that); true if it exited in time.
        @discardableResult
        func stop() -> Bool {
            process.terminate()
            let deadline = Date().addingTimeInterval(15)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            let inTime = !process.isRunning
            if !inTime { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return inTime
        }
    }

    func testARestartedServerResumesAnUnfinishedRunAndRunsNoTaskTwice() throws {
        let store = TestServer.temporaryStore()
        let marker = store + "-marker"
        let first = try Serve(store: store)
        var c = LoopbackClient(port: first.port, token: first.token)
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Flows.slowPair(marker: marker), "run_id": "r1"]).status, 201)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, TestServer.node(try c.get("/api/v1/runs/r1").json, "a")?["state"] as? String != "running" {
            Thread.sleep(forTimeInterval: 0.05)
        }
        // A client following the run's events does not hold the stop up: its stream ends.
        let stream = try EventStreamReader(port: first.port, path: "/api/v1/runs/r1/events/stream", token: first.token)
        var seen: [Int64] = []
        while seen.count < 3, let e = stream.next() { seen.append(e.id) }
        XCTAssertTrue(first.stop(), "SIGTERM stops the server within 15 s, open event stream or not")
        XCTAssertEqual(first.process.terminationReason, .exit, "SIGTERM stops it gracefully")
        while let e = stream.next() { seen.append(e.id) }
        stream.close()

        let second = try Serve(store: store)
        defer { second.stop() }
        c = LoopbackClient(port: second.port, token: second.token)
        var tree: [String: Any] = [:]
        let end = Date().addingTimeInterval(30)
        while Date() < end {
            tree = try c.get("/api/v1/runs/r1").json
            if ["succeeded", "failed"].contains(tree["state"] as? String ?? "") { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTAssertEqual(tree["state"] as? String, "succeeded", "\(tree)")
        // The client resumes its stream on the new server where it left off.
        let resumed = try EventStreamReader(port: second.port, path: "/api/v1/runs/r1/events/stream", lastEventID: seen.last, token: second.token)
        while let e = resumed.next() { seen.append(e.id) }
        resumed.close()
        let all = (try c.get("/api/v1/runs/r1/events").json["events"] as? [[String: Any]] ?? []).compactMap { ($0["seq"] as? NSNumber)?.int64Value }
        XCTAssertEqual(seen, all, "every event exactly once across the restart")
        let ran = (try? String(contentsOfFile: marker, encoding: .utf8))?.split(separator: "\n").map(String.init)
        XCTAssertEqual(ran, ["a", "b"])
    }

    func testServeRefusesANonLoopbackAddressWhenTheStoreHasNoTokens() throws {
        let p = Process()
        p.executableURL = RestartTests.binary
        p.arguments = ["serve", "--store", TestServer.temporaryStore(), "--listen", "0.0.0.0:8470"]
        let err = Pipe()
        p.standardError = err
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 2)
        XCTAssertTrue(text.contains("refusing to listen on 0.0.0.0: the store has no tokens"), text)
        XCTAssertTrue(text.contains("sluice token create"), text)
    }
}
