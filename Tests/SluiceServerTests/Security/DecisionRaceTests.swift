import Foundation
import XCTest

/// Issue 13: a reject and an approve sent together used to both answer 202, and the gate ended approved.
/// The first decision that reaches a gate wins; the other is refused with 409 saying what was decided, by whom.
final class DecisionRaceTests: XCTestCase {
    func testOfARejectAndAnApproveSentTogetherExactlyOneIsAcceptedAndTheRunFollowsIt() throws {
        let server = try TestServer()
        defer { server.stop() }
        let ana = try server.client(as: "ana"), cy = try server.client(as: "cy")
        for i in 0..<20 {
            let id = "race\(i)"
            XCTAssertEqual(try server.client.post("/api/v1/runs", json: ["flow": Flows.gates, "run_id": id]).status, 201)
            try server.waitForNode(id, "review", state: "waiting")
            let results = Results()
            let group = DispatchGroup()
            for (who, path, body) in [(cy, "reject", ["comment": "no"]), (ana, "approve", ["comment": "yes"])] {
                DispatchQueue.global().async(group: group) {
                    results.add(path, (try? who.post("/api/v1/runs/\(id)/nodes/review/\(path)", json: body)).map { ($0.status, $0.text) })
                }
            }
            group.wait()
            let accepted = results.all.filter { $0.1?.0 == 202 }
            XCTAssertEqual(accepted.count, 1, "\(results.all)")
            guard let winner = accepted.first?.0, let loser = results.all.first(where: { $0.0 != winner }) else { continue }
            XCTAssertEqual(loser.1?.0, 409, "\(results.all)")
            if (loser.1?.1 ?? "").contains("gate-decided") {
                XCTAssertTrue((loser.1?.1 ?? "").contains(winner == "approve" ? "approved by ana" : "rejected by cy"), "\(results.all)")
            }
            if winner == "reject" {
                XCTAssertEqual(try server.waitForRun(id, in: ["failed"])["state"] as? String, "failed")
            } else {
                try server.waitForNode(id, "review", state: "succeeded")
            }
        }
    }

    func testASecondSignalBeforeTheGateTakesTheFirstIsRefusedWithTheFirstsSender() throws {
        let server = try TestServer()
        defer { server.stop() }
        XCTAssertEqual(try server.client.post("/api/v1/runs", json: ["flow": Flows.gates, "run_id": "sig"]).status, 201)
        try server.waitForNode("sig", "review", state: "waiting")
        // The signal gate comes after the approval: both signals arrive before it can take either.
        XCTAssertEqual(try server.client(as: "bo").post("/api/v1/runs/sig/signals/threshold", json: ["value": 0.5]).status, 202)
        let second = try server.client(as: "di").post("/api/v1/runs/sig/signals/threshold", json: ["value": 0.9])
        XCTAssertEqual(second.status, 409, second.text)
        XCTAssertEqual(second.error["code"] as? String, "signal-pending")
        XCTAssertTrue((second.error["message"] as? String ?? "").contains("sent by bo"), second.text)
        XCTAssertEqual(try server.client.post("/api/v1/runs/sig/nodes/review/approve", json: [:]).status, 202)
        let tree = try server.waitForRun("sig", in: ["succeeded", "failed"])
        XCTAssertEqual(tree["outputs"] as? [String: Double], ["threshold": 0.5])
    }
}

private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var all: [(String, (Int, String)?)] = []
    func add(_ what: String, _ r: (Int, String)?) { lock.withLock { all.append((what, r)) } }
}
