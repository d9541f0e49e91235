import SluiceKube
import Testing
@testable import KubeSim

/// events.k8s.io/v1 and core v1 Events are one store in two shapes.
struct EventsViewTests {
    let core = "/api/v1/namespaces/default/events"
    let v1 = "/apis/events.k8s.io/v1/namespaces/default/events"

    @Test func coreEventsReadAsEventsV1AndBack() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        try await http.post(core, ["metadata": ["name": "a"], "involvedObject": ["kind": "Pod", "name": "p", "namespace": "default"],
                                   "reason": "Scheduled", "message": "assigned", "type": "Normal", "count": 1,
                                   "source": ["component": "default-scheduler"]])
        let viewed = try await http.get("\(v1)/a").body
        #expect(viewed["apiVersion"] == "events.k8s.io/v1" && viewed["note"] == "assigned" && viewed["regarding"]?["name"] == "p")
        #expect(viewed["deprecatedCount"] == 1 && viewed["deprecatedSource"]?["component"] == "default-scheduler")
        let created = try await http.post(v1, ["metadata": ["name": "b"], "eventTime": "2026-01-01T00:00:00.000000Z", "reason": "Started",
                                               "action": "Start", "reportingController": "sluice", "reportingInstance": "sluice-1",
                                               "note": "hello", "type": "Normal", "regarding": ["kind": "Pod", "name": "q"]])
        #expect(created.status == 201 && created.body["note"] == "hello")
        let back = try await http.get("\(core)/b").body
        #expect(back["apiVersion"] == "v1" && back["message"] == "hello" && back["involvedObject"]?["name"] == "q" && back["reportingComponent"] == "sluice")
        #expect(try await http.get("\(v1)?fieldSelector=regarding.name%3Dq").names == ["b"])
        #expect(try await http.get(v1).body["kind"] == "EventList")
        let patched = try await http.call("PATCH", "\(v1)/b", ["note": "changed"], contentType: "application/merge-patch+json")
        #expect(patched.body["note"] == "changed")
        #expect(try await http.get("\(core)/b").body["message"] == "changed")
        #expect(try await http.delete("\(v1)/b").body["status"] == "Success")
        #expect(try await http.get("\(core)/b").status == 404)
    }

    @Test func eventsV1WatchSeesCoreEventsConverted() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let watch = try await http.watch("\(v1)?watch=1")
        try await http.post(core, ["metadata": ["name": "a"], "involvedObject": ["kind": "Pod", "name": "p"], "message": "m", "reason": "R"])
        let event = try #require(try await watch.next())
        #expect(event["type"] == "ADDED" && event["object"]?["apiVersion"] == "events.k8s.io/v1" && event["object"]?["note"] == "m")
        watch.cancel()
    }
}
