import SluiceKube
import Testing
@testable import KubeSim

/// Graceful pod deletion, finalizers and garbage collection of dependents.
struct DeletionTests {
    static func owned(_ name: String, by owner: StoredObject) -> JSONObject {
        var pod = SimHTTP.pod(name).objectValue!
        pod.setMetadata("ownerReferences", [["apiVersion": "apps/v1", "kind": "Deployment", "name": .string(owner.name),
                                             "uid": .string(owner.uid ?? ""), "controller": true]])
        return pod
    }

    func setUp() throws -> (ObjectStore, StoredObject) {
        let store = ObjectStore()
        let owner = try store.create(.deployments, namespace: "default", SimHTTP.deployment("web").objectValue!)
        try store.create(.pods, namespace: "default", Self.owned("web-1", by: owner))
        try store.create(.pods, namespace: "default", Self.owned("web-2", by: owner))
        return (store, owner)
    }

    @Test func backgroundDeletionRemovesDependents() throws {
        let (store, _) = try setUp()
        try store.delete(.deployments, namespace: "default", name: "web")
        #expect(store.list(.pods, namespace: "default").items.isEmpty)
    }

    @Test func orphanDeletionKeepsDependentsWithoutTheOwnerReference() throws {
        let (store, _) = try setUp()
        try store.delete(.deployments, namespace: "default", name: "web", options: DeleteOptions(propagationPolicy: .orphan))
        let pods = store.list(.pods, namespace: "default").items
        #expect(pods.map(\.name) == ["web-1", "web-2"])
        #expect(pods.allSatisfy { $0.object["metadata"]?["ownerReferences"] == nil })
    }

    @Test func foregroundDeletionMarksTheOwnerFirst() throws {
        let (store, _) = try setUp()
        let watch = try store.watch(.deployments, namespace: "default")
        let result = try store.delete(.deployments, namespace: "default", name: "web", options: DeleteOptions(propagationPolicy: .foreground))
        guard case .deleted = result else { Issue.record("owner should be gone"); return }
        #expect(store.list(.pods, namespace: "default").items.isEmpty)
        let first = watch.pendingNow()?.first
        #expect(first?.type == .modified)
        #expect(first?.object.object["metadata"]?["finalizers"] == ["foregroundDeletion"])
        watch.cancel()
    }

    @Test func scheduledPodsTerminateGracefullyUntilDeletedWithZeroGrace() throws {
        let store = ObjectStore(expireTerminatingPods: false)
        try store.create(.pods, namespace: "default", SimHTTP.pod("p").objectValue!)
        try store.modify(.pods, namespace: "default", name: "p") { $0["spec"]?["nodeName"] = "node-1" }
        let first = try store.delete(.pods, namespace: "default", name: "p", options: DeleteOptions(gracePeriodSeconds: 30))
        guard case .pending(let terminating) = first else { Issue.record("expected a terminating pod"); return }
        #expect(terminating.object["metadata"]?["deletionGracePeriodSeconds"] == 30)
        #expect(terminating.object["metadata"]?["deletionTimestamp"] != nil)
        #expect(store.get(.pods, namespace: "default", name: "p") != nil)
        try store.delete(.pods, namespace: "default", name: "p", options: DeleteOptions(gracePeriodSeconds: 0))
        #expect(store.get(.pods, namespace: "default", name: "p") == nil)
    }

    @Test func terminatingPodsExpireAfterTheirGrace() async throws {
        let store = ObjectStore()
        try store.create(.pods, namespace: "default", SimHTTP.pod("p").objectValue!)
        try store.modify(.pods, namespace: "default", name: "p") { $0["spec"]?["nodeName"] = "node-1" }
        try store.delete(.pods, namespace: "default", name: "p", options: DeleteOptions(gracePeriodSeconds: 1))
        #expect(await KubeletWait.until { store.get(.pods, namespace: "default", name: "p") == nil })
    }

    @Test func finalizersHoldDeletionUntilRemoved() throws {
        let store = ObjectStore()
        var cm: JSONObject = ["metadata": ["name": "c", "finalizers": ["example.com/hold"]]]
        try store.create(.configMaps, namespace: "default", cm)
        guard case .pending = try store.delete(.configMaps, namespace: "default", name: "c") else { Issue.record("expected pending"); return }
        try store.modify(.configMaps, namespace: "default", name: "c") { $0.setMetadata("finalizers", nil) }
        #expect(store.get(.configMaps, namespace: "default", name: "c") == nil)
        cm = [:]
        _ = cm
    }

    @Test func deletingANamespaceDeletesItsObjects() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        try await http.post("/api/v1/namespaces", ["metadata": ["name": "team"]])
        try await http.post("/api/v1/namespaces/team/pods", SimHTTP.pod("p"))
        #expect(try await http.delete("/api/v1/namespaces/team").status == 200)
        #expect(try await http.get("/api/v1/namespaces/team/pods/p").status == 404)
        #expect(try await http.get("/api/v1/namespaces/team").status == 404)
    }
}
