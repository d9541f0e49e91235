import SluiceKube
import Testing
@testable import KubeSim

/// Every verb over real HTTP, with the real server's Status bodies.
struct APIVerbTests {
    let pods = "/api/v1/namespaces/default/pods"

    @Test func createGetListReplaceDeleteAPod() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let created = try await http.post(pods, SimHTTP.pod("web", labels: ["app": "web"]))
        #expect(created.status == 201)
        let meta = try #require(created.body["metadata"])
        #expect(meta["namespace"] == "default")
        #expect(meta["uid"]?.stringValue?.count == 36)
        #expect(meta["creationTimestamp"]?.stringValue?.hasSuffix("Z") == true)
        #expect(meta["generation"] == 1)
        let rv = try #require(meta["resourceVersion"]?.stringValue)

        let got = try await http.get("\(pods)/web")
        #expect(got.status == 200 && got.body["metadata"]?["resourceVersion"]?.stringValue == rv)
        let list = try await http.get(pods)
        #expect(list.body["kind"] == "PodList" && list.names == ["web"])
        #expect(list.body["metadata"]?["resourceVersion"]?.stringValue == String(http.sim.store.resourceVersion))

        var changed = created.body
        changed["metadata"]?["labels"]?["tier"] = "front"
        let replaced = try await http.put("\(pods)/web", changed)
        #expect(replaced.status == 200 && replaced.body["metadata"]?["labels"]?["tier"] == "front")
        #expect(Int(replaced.body["metadata"]?["resourceVersion"]?.stringValue ?? "") ?? 0 > Int(rv)!)

        let stale = try await http.put("\(pods)/web", changed)
        #expect(stale.status == 409 && stale.reason == "Conflict")
        #expect(stale.message == "Operation cannot be fulfilled on pods \"web\": the object has been modified; please apply your changes to the latest version and try again")

        let deleted = try await http.delete("\(pods)/web")
        #expect(deleted.status == 200 && deleted.body["kind"] == "Pod")
        let gone = try await http.get("\(pods)/web")
        #expect(gone.status == 404 && gone.message == "pods \"web\" not found")
        #expect(gone.body["details"] == ["name": "web", "kind": "pods"])
    }

    @Test func generateNameAndAlreadyExists() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        var pod = SimHTTP.pod("x")
        pod["metadata"] = ["generateName": "job-"]
        let created = try await http.post(pods, pod)
        let name = try #require(created.body["metadata"]?["name"]?.stringValue)
        #expect(name.hasPrefix("job-") && name.count == 9)
        try await http.post(pods, SimHTTP.pod("same"))
        let again = try await http.post(pods, SimHTTP.pod("same"))
        #expect(again.status == 409 && again.reason == "AlreadyExists" && again.message == "pods \"same\" already exists")
    }

    @Test func namespaceMustMatchThePathAndExist() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let mismatch = try await http.post(pods, SimHTTP.pod("p", namespace: "other"))
        #expect(mismatch.status == 400 && mismatch.reason == "BadRequest")
        #expect(mismatch.message == "the namespace of the provided object does not match the namespace sent on the request")
        let missing = try await http.post("/api/v1/namespaces/nowhere/pods", SimHTTP.pod("p"))
        #expect(missing.status == 404 && missing.message == "namespaces \"nowhere\" not found")
        let ns = try await http.post("/api/v1/namespaces", ["metadata": ["name": "team"]])
        #expect(ns.status == 201 && ns.body["status"]?["phase"] == "Active")
        #expect(try await http.post("/api/v1/namespaces/team/pods", SimHTTP.pod("p")).status == 201)
    }

    @Test func deleteReturnsStatusForDeploymentsAndObjectForPods() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let created = try await http.post("/apis/apps/v1/namespaces/default/deployments", SimHTTP.deployment("web"))
        #expect(created.status == 201 && created.body["spec"]?["strategy"]?["type"] == "RollingUpdate")
        let deleted = try await http.delete("/apis/apps/v1/namespaces/default/deployments/web")
        #expect(deleted.body["kind"] == "Status" && deleted.body["status"] == "Success")
        #expect(deleted.body["details"]?["group"] == "apps" && deleted.body["details"]?["kind"] == "deployments")
        #expect(deleted.body["details"]?["uid"] == created.body["metadata"]?["uid"])
    }

    @Test func dryRunValidatesButStoresNothing() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let before = http.sim.store.resourceVersion
        let created = try await http.post("\(pods)?dryRun=All", SimHTTP.pod("dry"))
        #expect(created.status == 201 && created.body["metadata"]?["uid"] != nil)
        #expect(try await http.get("\(pods)/dry").status == 404)
        #expect(http.sim.store.resourceVersion == before)
        let invalid = try await http.post("\(pods)?dryRun=All", ["metadata": ["name": "bad"], "spec": ["containers": []]])
        #expect(invalid.status == 422)
        try await http.post(pods, SimHTTP.pod("real"))
        let rv = http.sim.store.resourceVersion
        #expect(try await http.call("DELETE", "\(pods)/real?dryRun=All").status == 200)
        #expect(try await http.call("PATCH", "\(pods)/real?dryRun=All", ["metadata": ["labels": ["a": "b"]]],
                                     contentType: "application/merge-patch+json").body["metadata"]?["labels"]?["a"] == "b")
        #expect(http.sim.store.resourceVersion == rv)
        #expect(try await http.get("\(pods)/real").body["metadata"]?["labels"] == nil)
    }

    @Test func statusSubresourceUpdatesOnlyStatus() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        var pod = try await http.post(pods, SimHTTP.pod("p")).body
        pod["status"] = ["phase": "Running"]
        pod["metadata"]?["labels"] = ["ignored": "yes"]
        let updated = try await http.put("\(pods)/p/status", pod)
        #expect(updated.body["status"]?["phase"] == "Running" && updated.body["metadata"]?["labels"] == nil)
        var main = updated.body
        main["status"] = ["phase": "Failed"]
        let ignored = try await http.put("\(pods)/p", main)
        #expect(ignored.body["status"]?["phase"] == "Running")
    }

    @Test func leaseUpdatesNeedAResourceVersion() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let path = "/apis/coordination.k8s.io/v1/namespaces/default/leases"
        var lease = try await http.post(path, ["metadata": ["name": "leader"], "spec": ["holderIdentity": "a"]]).body
        lease["metadata"]?["resourceVersion"] = nil
        let refused = try await http.put("\(path)/leader", lease)
        #expect(refused.status == 422)
        #expect(refused.message == "leases.coordination.k8s.io \"leader\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update")
        #expect(refused.body["details"]?["kind"] == "leases" && refused.body["details"]?["group"] == "coordination.k8s.io")
    }

    @Test func discoveryDocuments() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        #expect(try await http.get("/api").body["versions"] == ["v1"])
        let core = try await http.get("/api/v1").body
        let names = (core["resources"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        #expect(names.contains("pods") && names.contains("pods/log") && names.contains("pods/status") && names.contains("events"))
        let groups = try await http.get("/apis").body["groups"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(groups == ["apps", "batch", "coordination.k8s.io", "events.k8s.io", "authorization.k8s.io", "apiextensions.k8s.io"])
        #expect(try await http.get("/apis/apps/v1").body["groupVersion"] == "apps/v1")
        let unknown = try await http.get("/apis/nope/v1/things")
        #expect(unknown.status == 404 && unknown.reason == "NotFound")
    }

    @Test func unsupportedMethodIsMethodNotAllowed() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let reply = try await http.put(pods, SimHTTP.pod("x"))
        #expect(reply.status == 405 && reply.reason == "MethodNotAllowed")
    }
}
