import Foundation
import SluiceAPI
import SluiceModel
import XCTest

/// The server's replies decode as the shared wire types the CLI uses, and requests built from them are accepted.
final class WireTypesTests: XCTestCase {
    func testEveryReplyOfAGatedRunDecodesAsTheSharedTypes() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        let submit = try c.post("/api/v1/runs", raw: WireJSON.encode(SubmitRun(flow: Flows.gates, run_id: "w1", labels: ["team": "ml"])))
        XCTAssertEqual(submit.status, 201, submit.text)
        XCTAssertEqual(try WireJSON.decode(Submitted.self, from: submit.body), Submitted(run: "w1", state: "queued"))

        try server.waitForNode("w1", "review", state: "waiting")
        let gates = try WireJSON.decode(GatePage.self, from: c.get("/api/v1/runs/w1/gates").body)
        XCTAssertEqual(gates.gates.map(\.node), ["review"])
        XCTAssertEqual(gates.gates.first?.message, "ship it?")

        let approve = try c.post("/api/v1/runs/w1/nodes/review/approve", raw: WireJSON.encode(Decision(comment: "fine")))
        XCTAssertEqual(approve.status, 202, approve.text)
        XCTAssertEqual(try WireJSON.decode(Accepted.self, from: approve.body), Accepted(run: "w1", node: "review", action: "approve", by: "test-admin"))
        let signal = try c.post("/api/v1/runs/w1/signals/threshold", raw: WireJSON.encode(SignalRequest(value: .float(0.5))))
        XCTAssertEqual(signal.status, 202, signal.text)
        XCTAssertEqual(try WireJSON.decode(Accepted.self, from: signal.body).value, .float(0.5))
        try server.waitForRun("w1", in: ["succeeded"])

        let page = try WireJSON.decode(RunPage.self, from: c.get("/api/v1/runs").body)
        XCTAssertEqual(page.runs.map(\.id), ["w1"])
        XCTAssertEqual(page.runs.first?.labels, ["team": "ml"])
        XCTAssertNil(page.next_cursor)
        let tree = try WireJSON.decode(RunView.self, from: c.get("/api/v1/runs/w1").body)
        XCTAssertEqual(tree.state, "succeeded")
        XCTAssertEqual(tree.outputs?["threshold"], .float(0.5))
        let events = try WireJSON.decode(EventPage.self, from: c.get("/api/v1/runs/w1/events").body)
        XCTAssertFalse(events.events.isEmpty)
        XCTAssertEqual(events.next_after, events.events.last?.seq)

        XCTAssertEqual(try WireJSON.decode(Health.self, from: c.get("/healthz").body), Health())
        XCTAssertTrue(try WireJSON.decode(Readiness.self, from: c.get("/readyz").body).isReady)
    }

    func testErrorsAndFlowRegistrationUseTheSharedShapes() throws {
        let server = try TestServer()
        defer { server.stop() }
        let c = server.client
        let missing = try c.get("/api/v1/runs/nope")
        XCTAssertEqual(missing.status, 404)
        let failure = try WireJSON.decode(APIErrorBody.self, from: missing.body).error
        XCTAssertEqual(failure.code, "no-run")
        XCTAssertEqual(failure.message, "no run 'nope'")

        let broken = try c.post("/api/v1/flows", raw: WireJSON.encode(RegisterFlow(flow: "name: x\nnodes: [{id: a, task: nope}]")))
        XCTAssertEqual(broken.status, 422)
        let details = try XCTUnwrap(WireJSON.decode(APIErrorBody.self, from: broken.body).error.details)
        XCTAssertFalse(details.isEmpty)
        XCTAssertGreaterThan(details[0].line, 0)

        let registered = try c.post("/api/v1/flows", raw: WireJSON.encode(RegisterFlow(flow: Flows.hello, version: "v1")))
        XCTAssertEqual(registered.status, 201, registered.text)
        XCTAssertEqual(try WireJSON.decode(FlowRef.self, from: registered.body), FlowRef(name: "hello", version: "v1"))
        XCTAssertEqual(try WireJSON.decode(FlowList.self, from: c.get("/api/v1/flows").body).flows.map(\.version), ["v1"])
        XCTAssertEqual(try WireJSON.decode(FlowVersions.self, from: c.get("/api/v1/flows/hello").body).versions.count, 1)
        XCTAssertEqual(try WireJSON.decode(FlowText.self, from: c.get("/api/v1/flows/hello/versions/v1").body).text, Flows.hello)
    }
}
