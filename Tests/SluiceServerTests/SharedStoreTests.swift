import Foundation
import XCTest

/// Two `sluice serve` processes on one store (TaskFlow's jobboard): one is killed with SIGKILL mid-run and
/// the other finishes its runs; no task runs twice.
final class SharedStoreTests: XCTestCase {
    static func chain(marker: String, run: String) -> String {
        """
        name: shared
        tasks:
          work:
            command: [sh, -c, "sleep 0.4; echo \(run)-{{inputs.name}} >> \(marker)"]
            inputs: {name: string}
        nodes:
          - {id: a, task: work, inputs: {name: "a"}}
          - {id: b, task: work, inputs: {name: "b"}, after: [a]}
          - {id: c, task: work, inputs: {name: "c"}, after: [b]}
          - {id: d, task: work, inputs: {name: "d"}, after: [c]}
        """
    }

    func testASurvivorFinishesTheRunsOfAKilledServerAndNoTaskRunsTwice() throws {
        let store = TestServer.temporaryStore()
        let marker = store + "-marker"
        let first = try RestartTests.Serve(store: store)
        let second = try RestartTests.Serve(store: store)
        defer { second.stop() }
        let runs = (1...4).map { "s\($0)" }
        let c1 = LoopbackClient(port: first.port, token: first.token)
        for r in runs {
            XCTAssertEqual(try c1.post("/api/v1/runs", json: ["flow": Self.chain(marker: marker, run: r), "run_id": r]).status, 201)
        }
        // Once tasks have started, kill the first server without warning.
        let started = Date()
        while ((try? String(contentsOfFile: marker, encoding: .utf8)) ?? "").isEmpty, Date().timeIntervalSince(started) < 60 {
            Thread.sleep(forTimeInterval: 0.02)
        }
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        let killedAt = Date()
        let c2 = LoopbackClient(port: second.port, token: second.token)
        for r in runs {
            var state = ""
            while Date().timeIntervalSince(killedAt) < 60 {
                state = (try? c2.get("/api/v1/runs/\(r)").json["state"] as? String) ?? ""
                if state == "succeeded" || state == "failed" { break }
                Thread.sleep(forTimeInterval: 0.1)
            }
            XCTAssertEqual(state, "succeeded", "run \(r)")
        }
        let lines = ((try? String(contentsOfFile: marker, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        for r in runs {
            XCTAssertEqual(lines.filter { $0.hasPrefix(r + "-") }.sorted(), ["a", "b", "c", "d"].map { "\(r)-\($0)" },
                           "each task of \(r) ran exactly once")
        }
    }
}
