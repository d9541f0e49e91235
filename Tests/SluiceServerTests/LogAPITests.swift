import Foundation
import XCTest

/// Reading an attempt's logs over HTTP: whole, tailed, by stream, and followed while the attempt runs.
final class LogAPITests: XCTestCase {
    static let talker = """
        name: talker
        tasks:
          talk:
            command: [sh, -c, "echo one; echo two; echo oops >&2; sleep {{inputs.pause}}; echo three; echo '{}' > $SLUICE_OUTPUTS"]
            inputs: {pause: string}
        nodes:
          - {id: t, task: talk, inputs: {pause: inputs.pause}}
        inputs:
          pause: {type: string, default: "0"}
        """

    func testLogsAreReadWholeTailedAndByStream() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Self.talker, "run_id": "l1"]).status, 201)
        try server.waitForRun("l1", in: ["succeeded"])
        let whole = try c.get("/api/v1/runs/l1/nodes/t/logs")
        XCTAssertEqual(whole.status, 200)
        XCTAssertEqual(whole.headers["content-type"], "text/plain; charset=utf-8")
        XCTAssertEqual(whole.text, "one\ntwo\nthree\n")
        XCTAssertEqual(try c.get("/api/v1/runs/l1/nodes/t/logs?tail=2").text, "two\nthree\n")
        XCTAssertEqual(try c.get("/api/v1/runs/l1/nodes/t/logs?tail=0").text, "")
        XCTAssertEqual(try c.get("/api/v1/runs/l1/nodes/t/logs?stream=stderr&attempt=1").text, "oops\n")

        let cases: [(String, LoopbackClient.Reply, Int, String)] = [
            ("an unknown run", try c.get("/api/v1/runs/nope/nodes/t/logs"), 404, "no-run"),
            ("an unknown node", try c.get("/api/v1/runs/l1/nodes/zz/logs"), 404, "no-attempt"),
            ("an attempt that never ran", try c.get("/api/v1/runs/l1/nodes/t/logs?attempt=5"), 404, "no-attempt"),
            ("a bad stream", try c.get("/api/v1/runs/l1/nodes/t/logs?stream=both"), 422, "invalid-query"),
            ("a bad tail", try c.get("/api/v1/runs/l1/nodes/t/logs?tail=-1"), 422, "invalid-query"),
            ("a bad follow", try c.get("/api/v1/runs/l1/nodes/t/logs?follow=yes"), 422, "invalid-query"),
        ]
        for (what, reply, status, code) in cases {
            XCTAssertEqual(reply.status, status, "\(what): \(reply.text)")
            XCTAssertEqual(reply.error["code"] as? String, code, what)
        }
    }

    func testFollowStreamsUntilTheAttemptEnds() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        XCTAssertEqual(try c.post("/api/v1/runs", json: ["flow": Self.talker, "run_id": "f1", "inputs": ["pause": "1"]]).status, 201)
        try server.waitForNode("f1", "t", state: "running")
        let started = Date()
        let followed = try c.get("/api/v1/runs/f1/nodes/t/logs?follow=true")
        XCTAssertEqual(followed.status, 200)
        XCTAssertEqual(followed.text, "one\ntwo\nthree\n", "the stream ends after the attempt with everything it wrote")
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
    }

    func testNestedAndMapItemNodesAreAddressedPercentEncoded() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        let flow = """
            name: nested
            inputs:
              xs: {type: list<string>, default: [p, q]}
            tasks:
              say:
                command: [sh, -c, "echo {{inputs.x}}; echo '{}' > $SLUICE_OUTPUTS"]
                inputs: {x: string}
            workflows:
              inner:
                nodes:
                  - {id: a, task: say, inputs: {x: "inner"}}
            nodes:
              - {id: m, map: {over: inputs.xs, as: x, task: say, inputs: {x: x}}}
              - {id: sub, workflow: inner}
            """
        let submitted = try c.post("/api/v1/runs", json: ["flow": flow, "run_id": "n1"])
        XCTAssertEqual(submitted.status, 201, submitted.text)
        try server.waitForRun("n1", in: ["succeeded"])
        XCTAssertEqual(try c.get("/api/v1/runs/n1/nodes/m%5B1%5D/logs").text, "q\n")
        XCTAssertEqual(try c.get("/api/v1/runs/n1/nodes/sub%2Fa/logs").text, "inner\n")
    }
}
