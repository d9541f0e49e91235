import SluiceKube
import Testing
@testable import KubeSim

/// Collection deletes, the pluggable log route, scale, and the all-namespaces paths.
struct RouteExtrasTests {
    struct FixedLogs: PodLogSource {
        func logs(_ request: PodLogRequest, pod: StoredObject) async throws -> AsyncStream<[UInt8]> {
            AsyncStream { c in
                c.yield(Array("\(request.namespace)/\(request.pod)/\(request.container) tail=\(request.tailLines ?? -1)\n".utf8))
                c.finish()
            }
        }
    }

    @Test func deleteCollectionHonoursTheSelector() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let pods = "/api/v1/namespaces/default/pods"
        try await http.post(pods, SimHTTP.pod("a", labels: ["app": "web"]))
        try await http.post(pods, SimHTTP.pod("b", labels: ["app": "web"]))
        try await http.post(pods, SimHTTP.pod("c", labels: ["app": "db"]))
        let reply = try await http.call("DELETE", "\(pods)?labelSelector=app%3Dweb")
        #expect(reply.status == 200 && reply.names == ["a", "b"])
        #expect(try await http.get(pods).names == ["c"])
    }

    @Test func logRouteUsesThePluggedSource() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        http.sim.setPodLogSource(FixedLogs())
        try await http.post("/api/v1/namespaces/default/pods", SimHTTP.pod("p"))
        let log = try await http.get("/api/v1/namespaces/default/pods/p/log?tailLines=3")
        #expect(log.status == 200 && log.body == .string("default/p/main tail=3\n"))
        let missing = try await http.get("/api/v1/namespaces/default/pods/nope/log")
        #expect(missing.status == 404)
        let wrong = try await http.get("/api/v1/namespaces/default/pods/p/log?container=other")
        #expect(wrong.status == 400 && wrong.message == "container other is not valid for pod p")
    }

    @Test func scaleSubresourceReadsAndWritesReplicas() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let path = "/apis/apps/v1/namespaces/default/deployments"
        try await http.post(path, SimHTTP.deployment("web"))
        let scale = try await http.get("\(path)/web/scale")
        #expect(scale.body["kind"] == "Scale" && scale.body["spec"]?["replicas"] == 2 && scale.body["status"]?["selector"] == "app=web")
        let scaled = try await http.call("PATCH", "\(path)/web/scale", ["spec": ["replicas": 4]], contentType: "application/merge-patch+json")
        #expect(scaled.body["spec"]?["replicas"] == 4)
        #expect(try await http.get("\(path)/web").body["spec"]?["replicas"] == 4)
    }

    @Test func allNamespacesListsAndWatchesSpanNamespaces() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        try await http.post("/apis/coordination.k8s.io/v1/namespaces/default/leases", ["metadata": ["name": "a"]])
        try await http.post("/apis/coordination.k8s.io/v1/namespaces/kube-system/leases", ["metadata": ["name": "b"]])
        #expect(try await http.get("/apis/coordination.k8s.io/v1/leases").names == ["a", "b"])
        let watch = try await http.watch("/apis/coordination.k8s.io/v1/leases?watch=1")
        #expect(try await watch.take(2) == ["ADDED a", "ADDED b"])
        watch.cancel()
    }
}
