import Foundation
import SluiceKube
import Testing
@testable import KubeSim

/// CustomResourceDefinitions make their kinds served: discovery, CRUD, watch, the status subresource,
/// garbage collection of owned pods, and removal with the definition (apiextensions-apiserver).
struct CustomResourceTests {
    static let crd: JSONValue = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "trainings.ml.example.com"],
        "spec": ["group": "ml.example.com", "scope": "Namespaced",
                 "names": ["plural": "trainings", "singular": "training", "kind": "Training", "shortNames": ["tr"]],
                 "versions": [["name": "v1", "served": true, "storage": true, "subresources": ["status": [:]],
                               "schema": ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]]]]],
    ]

    @Test func definitionServesItsKindWithStatusAndOwnedPods() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let created = try await http.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", Self.crd)
        #expect(created.status == 201)
        let crd = try await http.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/trainings.ml.example.com").body
        let established = crd["status"]?["conditions"]?.arrayValue?.first { $0["type"] == "Established" }
        #expect(established?["status"] == "True" && established?["reason"] == "InitialNamesAccepted")
        #expect(crd["status"]?["acceptedNames"]?["listKind"] == "TrainingList")

        let groups = try await http.get("/apis").body["groups"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(groups.contains("ml.example.com"))
        let resources = try await http.get("/apis/ml.example.com/v1").body["resources"]?.arrayValue ?? []
        #expect(resources.compactMap { $0["name"]?.stringValue } == ["trainings", "trainings/status"])

        let path = "/apis/ml.example.com/v1/namespaces/default/trainings"
        let watch = try await http.watch(path + "?watch=1")
        let object = try await http.post(path, ["apiVersion": "ml.example.com/v1", "kind": "Training", "metadata": ["name": "t1"],
                                                "spec": ["epochs": 3]])
        #expect(object.status == 201 && object.body["spec"]?["epochs"] == 3)
        #expect(try await watch.take(1) == ["ADDED t1"])
        watch.cancel()
        #expect(try await http.get(path).body["kind"] == "TrainingList")

        // The status subresource: a plain update leaves status alone, /status changes only status.
        var body = object.body.objectValue ?? JSONObject()
        body["status"] = ["phase": "Running"]
        _ = try await http.put(path + "/t1", .object(body))
        #expect(try await http.get(path + "/t1").body["status"] == nil)
        _ = try await http.put(path + "/t1/status", .object(body))
        #expect(try await http.get(path + "/t1").body["status"]?["phase"] == "Running")

        // A pod owned by the object goes when the object is deleted.
        let uid = try #require(object.body["metadata"]?["uid"]?.stringValue)
        try await http.post("/api/v1/namespaces/default/pods", [
            "metadata": ["name": "t1-worker", "ownerReferences": [["apiVersion": "ml.example.com/v1", "kind": "Training", "name": "t1",
                                                                    "uid": .string(uid), "controller": true]]],
            "spec": ["containers": [["name": "main", "image": "busybox"]]]])
        _ = try await http.delete(path + "/t1")
        #expect(try await http.get("/api/v1/namespaces/default/pods/t1-worker").status == 404)

        // Removing the definition removes its objects and stops serving the kind.
        try await http.post(path, ["apiVersion": "ml.example.com/v1", "kind": "Training", "metadata": ["name": "t2"]])
        _ = try await http.delete("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/trainings.ml.example.com")
        #expect(try await http.get(path).status == 404)
        #expect(http.sim.store.list(SimResource(group: "ml.example.com", version: "v1", plural: "trainings", singular: "training",
                                                kind: "Training"), namespace: nil).items.isEmpty)
    }

    @Test func definitionNameMustBePluralDotGroup() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        var bad = Self.crd.objectValue ?? JSONObject()
        bad["metadata"] = ["name": "training.ml.example.com"]
        let reply = try await http.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", .object(bad))
        #expect(reply.status == 422)
        #expect(reply.message?.contains("metadata.name: Invalid value: \"training.ml.example.com\": must be spec.names.plural+\".\"+spec.group") == true)
    }
}
