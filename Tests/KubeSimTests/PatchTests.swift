import SluiceKube
import Testing
@testable import KubeSim

/// Merge, strategic, JSON patch and server-side apply.
struct PatchTests {
    let pods = "/api/v1/namespaces/default/pods"

    func patch(_ http: SimHTTP, _ path: String, _ body: JSONValue, _ type: String) async throws -> SimHTTP.Reply {
        try await http.call("PATCH", path, body, contentType: type)
    }

    @Test func mergePatchFollowsRFC7386() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        try await http.post(pods, SimHTTP.pod("p", labels: ["a": "1", "b": "2"]))
        let reply = try await patch(http, "\(pods)/p", ["metadata": ["labels": ["a": nil, "c": "3"]]], "application/merge-patch+json")
        #expect(reply.body["metadata"]?["labels"] == ["b": "2", "c": "3"])
    }

    @Test func strategicMergeMergesContainersByName() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        try await http.post("/apis/apps/v1/namespaces/default/deployments", SimHTTP.deployment("web"))
        let body: JSONValue = ["spec": ["template": ["spec": ["containers": [["name": "web", "image": "nginx:1.28"], ["name": "side", "image": "envoy"]]]]]]
        let reply = try await patch(http, "/apis/apps/v1/namespaces/default/deployments/web", body, "application/strategic-merge-patch+json")
        let containers = reply.body["spec"]?["template"]?["spec"]?["containers"]?.arrayValue ?? []
        #expect(containers.map { $0["image"] } == ["nginx:1.28", "envoy"])
        #expect(containers.first?["terminationMessagePath"] == "/dev/termination-log")
        #expect(reply.body["metadata"]?["generation"] == 2)
    }

    @Test func jsonPatchOperations() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        try await http.post(pods, SimHTTP.pod("p", labels: ["a": "1"]))
        let ops: JSONValue = [["op": "test", "path": "/metadata/labels/a", "value": "1"],
                              ["op": "add", "path": "/metadata/labels/b", "value": "2"],
                              ["op": "replace", "path": "/metadata/labels/a", "value": "x"],
                              ["op": "copy", "from": "/metadata/labels/b", "path": "/metadata/labels/c"],
                              ["op": "move", "from": "/metadata/labels/c", "path": "/metadata/labels/d"],
                              ["op": "remove", "path": "/metadata/labels/b"]]
        let reply = try await patch(http, "\(pods)/p", ops, "application/json-patch+json")
        #expect(reply.body["metadata"]?["labels"] == ["a": "x", "d": "2"])
        let failed = try await patch(http, "\(pods)/p", [["op": "test", "path": "/metadata/labels/a", "value": "nope"]], "application/json-patch+json")
        #expect(failed.status == 422)
        let missing = try await patch(http, "\(pods)/nope", ["metadata": [:]], "application/merge-patch+json")
        #expect(missing.status == 404)
        let unknown = try await patch(http, "\(pods)/p", ["metadata": [:]], "text/plain")
        #expect(unknown.status == 415 && unknown.reason == "UnsupportedMediaType")
    }

    @Test func applyNeedsAFieldManager() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let reply = try await patch(http, "\(pods)/p", SimHTTP.pod("p"), "application/apply-patch+yaml")
        #expect(reply.status == 422 && reply.reason == "Invalid")
        #expect(reply.message == "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch")
    }

    @Test func applyCreatesRecordsManagedFieldsAndDetectsConflicts() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let path = "/apis/apps/v1/namespaces/default/deployments/web"
        let created = try await patch(http, "\(path)?fieldManager=alice", SimHTTP.deployment("web"), "application/apply-patch+yaml")
        #expect(created.status == 201)
        let entry = try #require(created.body["metadata"]?["managedFields"]?.arrayValue?.first)
        #expect(entry["manager"] == "alice" && entry["operation"] == "Apply" && entry["apiVersion"] == "apps/v1" && entry["fieldsType"] == "FieldsV1")
        #expect(entry["fieldsV1"]?["f:spec"]?["f:replicas"] == [:])
        #expect(entry["time"]?.stringValue?.hasSuffix("Z") == true)

        var bob = SimHTTP.deployment("web")
        bob["spec"]?["replicas"] = 5
        let conflict = try await patch(http, "\(path)?fieldManager=bob", bob, "application/apply-patch+yaml")
        #expect(conflict.status == 409 && conflict.reason == "Conflict")
        #expect(conflict.message == "Apply failed with 1 conflict: conflict with \"alice\": .spec.replicas")
        let forced = try await patch(http, "\(path)?fieldManager=bob&force=true", bob, "application/apply-patch+yaml")
        #expect(forced.status == 200 && forced.body["spec"]?["replicas"] == 5)
        let managers = forced.body["metadata"]?["managedFields"]?.arrayValue?.compactMap { $0["manager"]?.stringValue }
        #expect(managers == ["alice", "bob"])
        #expect(forced.body["metadata"]?["managedFields"]?[0]?["fieldsV1"]?["f:spec"]?["f:replicas"] == nil)
    }

    @Test func updatesRecordAnUpdateEntry() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        try await http.post("\(pods)?fieldManager=maker", SimHTTP.pod("p"))
        let reply = try await patch(http, "\(pods)/p?fieldManager=labeler", ["metadata": ["labels": ["x": "y"]]], "application/merge-patch+json")
        let entries = reply.body["metadata"]?["managedFields"]?.arrayValue ?? []
        #expect(entries.map { $0["manager"] } == ["maker", "labeler"])
        #expect(entries.last?["operation"] == "Update")
        #expect(entries.last?["fieldsV1"] == ["f:metadata": ["f:labels": ["f:x": [:]]]])
    }
}

extension JSONValue {
    subscript(index: Int) -> JSONValue? {
        guard case .array(let a) = self, a.indices.contains(index) else { return nil }
        return a[index]
    }
}
