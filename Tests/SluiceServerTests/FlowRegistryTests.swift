import Foundation
import XCTest

/// Registering versions of a flow, reading them back, and running a registered version by name.
final class FlowRegistryTests: XCTestCase {
    func testVersionsAreNumberedListedAndRunByName() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        let first = try c.post("/api/v1/flows", json: ["flow": Flows.hello])
        XCTAssertEqual(first.status, 201, first.text)
        XCTAssertEqual(first.json["name"] as? String, "hello")
        XCTAssertEqual(first.json["version"] as? String, "1")
        XCTAssertEqual(try c.post("/api/v1/flows", json: ["flow": Flows.hello]).json["version"] as? String, "2")
        XCTAssertEqual(try c.post("/api/v1/flows", json: ["flow": Flows.gates, "version": "v1.0"]).status, 201)

        let all = try c.get("/api/v1/flows").json["flows"] as? [[String: Any]] ?? []
        XCTAssertEqual(all.map { "\($0["name"]!)@\($0["version"]!)" }, ["gates@v1.0", "hello@2"])
        let versions = try c.get("/api/v1/flows/hello").json["versions"] as? [[String: Any]] ?? []
        XCTAssertEqual(versions.compactMap { $0["version"] as? String }, ["2", "1"])
        let one = try c.get("/api/v1/flows/hello/versions/1")
        XCTAssertEqual(one.status, 200)
        XCTAssertEqual(one.json["text"] as? String, Flows.hello)

        let latest = try c.post("/api/v1/runs", json: ["flow_name": "hello", "inputs": ["who": "Bo"], "run_id": "r-latest"])
        XCTAssertEqual(latest.status, 201, latest.text)
        let pinned = try c.post("/api/v1/runs", json: ["flow_name": "hello", "flow_version": "1", "run_id": "r-pinned"])
        XCTAssertEqual(pinned.status, 201, pinned.text)
        let tree = try server.waitForRun("r-latest", in: ["succeeded", "failed"])
        XCTAssertEqual(tree["outputs"] as? [String: String], ["greeting": "hi Bo"])
        try server.waitForRun("r-pinned", in: ["succeeded"])
        let runs = try c.get("/api/v1/runs?flow=hello").json["runs"] as? [[String: Any]] ?? []
        XCTAssertEqual(Set(runs.compactMap { $0["flow_version"] as? String }), ["1", "2"])
    }

    func testRegistrationAndLookupErrors() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        XCTAssertEqual(try c.post("/api/v1/flows", json: ["flow": Flows.hello, "version": "1"]).status, 201)
        let cases: [(String, LoopbackClient.Reply, Int, String)] = [
            ("a flow that does not compile", try c.post("/api/v1/flows", json: ["flow": "name: Bad_Name\nnodes: []\n"]), 422, "invalid-flow"),
            ("a version registered before", try c.post("/api/v1/flows", json: ["flow": Flows.hello, "version": "1"]), 409, "flow-version-exists"),
            ("a bad version", try c.post("/api/v1/flows", json: ["flow": Flows.hello, "version": "a b"]), 422, "invalid-version"),
            ("no flow text", try c.post("/api/v1/flows", json: ["version": "3"]), 422, "missing-field"),
            ("an unknown flow", try c.get("/api/v1/flows/nope"), 404, "no-flow"),
            ("an unknown version", try c.get("/api/v1/flows/hello/versions/9"), 404, "no-flow"),
            ("a run of an unknown flow", try c.post("/api/v1/runs", json: ["flow_name": "nope"]), 404, "no-flow"),
            ("a run of an unknown version", try c.post("/api/v1/runs", json: ["flow_name": "hello", "flow_version": "7"]), 404, "no-flow"),
            ("flow text and a name", try c.post("/api/v1/runs", json: ["flow": Flows.hello, "flow_name": "hello"]), 422, "invalid-field"),
        ]
        for (what, reply, status, code) in cases {
            XCTAssertEqual(reply.status, status, "\(what): \(reply.text)")
            XCTAssertEqual(reply.error["code"] as? String, code, what)
        }
        let operatorClient = try server.client(as: "op", role: .operator)
        XCTAssertEqual(try operatorClient.post("/api/v1/flows", json: ["flow": Flows.hello]).status, 403, "registering flows is for admins")
        XCTAssertEqual(try operatorClient.get("/api/v1/flows").status, 200)
    }
}
