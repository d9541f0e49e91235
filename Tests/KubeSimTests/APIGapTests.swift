import Foundation
import SluiceKube
import Testing
@testable import KubeSim

/// What real clients rely on beyond CRUD: Table responses, form-encoded selectors, OpenAPI documents,
/// unknown-field handling, SelfSubjectAccessReview, and a stop that does not wait for followed logs.
struct APIGapTests {
    static let tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"

    static func withKubelet(_ options: inout KubeSimOptions) { options.components = KubeSimComponents.builtIn(options) }

    /// pkg/printers/internalversion/printers.go: the columns `kubectl get pods` and `get nodes` print.
    @Test func podsAndNodesComeAsTablesWithTheUsualColumns() async throws {
        let http = try await SimHTTP.start(Self.withKubelet)
        defer { Task { await http.stop() } }
        try await http.post("/api/v1/namespaces/default/pods", SimHTTP.pod("web-1"))
        let running = await KubeletWait.until {
            http.sim.store.get(.pods, namespace: "default", name: "web-1")?.object["status"]?["phase"] == "Running"
        }
        #expect(running)
        let pods = try await http.call("GET", "/api/v1/namespaces/default/pods", extraHeaders: [("Accept", Self.tableAccept)]).body
        #expect(pods["kind"] == "Table" && pods["apiVersion"] == "meta.k8s.io/v1")
        let columns = pods["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(columns == ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"])
        let cells = pods["rows"]?[0]?["cells"]?.arrayValue ?? []
        #expect(cells.prefix(4) == ["web-1", "1/1", "Running", "0"])
        #expect(cells[6] == "kubesim-node-1")
        #expect(pods["rows"]?[0]?["object"]?["kind"] == "PartialObjectMetadata")

        let nodes = try await http.call("GET", "/api/v1/nodes", extraHeaders: [("Accept", Self.tableAccept)]).body
        #expect(nodes["columnDefinitions"]?.arrayValue?.prefix(5).compactMap { $0["name"]?.stringValue } == ["Name", "Status", "Roles", "Age", "Version"])
        #expect(nodes["rows"]?[0]?["cells"]?.arrayValue?.prefix(3) == ["kubesim-node-1", "Ready", "<none>"])
        // Without the Accept header the list is a plain NodeList.
        #expect(try await http.get("/api/v1/nodes").body["kind"] == "NodeList")
    }

    /// `kubectl get -w` and `get events/deployments/services` read these.
    @Test func watchEventsAndOtherKindsComeAsTables() async throws {
        let server = try await SimHTTP.start()
        defer { Task { await server.stop() } }
        var http = server
        http.headers = [("Accept", Self.tableAccept)]
        try await http.post("/api/v1/namespaces/default/services", ["metadata": ["name": "web"], "spec": ["ports": [["port": 80]]]])
        let services = try await http.get("/api/v1/namespaces/default/services").body
        #expect(services["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age"])
        #expect(services["rows"]?[0]?["cells"]?[4] == "80/TCP")
        let events = try await http.get("/api/v1/namespaces/default/events").body
        #expect(events["columnDefinitions"]?[0]?["name"] == "Last Seen")
        let watch = try await http.watch("/api/v1/namespaces/default/services?watch=1")
        let first = try await watch.next()
        #expect(first?["type"] == "ADDED" && first?["object"]?["kind"] == "Table")
        #expect(first?["object"]?["rows"]?[0]?["cells"]?[0] == "web")
        watch.cancel()
    }

    @Test func statusColumnFollowsKubectlsRules() {
        func pod(_ status: JSONValue, deleting: Bool = false) -> JSONObject {
            var meta: JSONObject = ["name": "p"]
            if deleting { meta["deletionTimestamp"] = "2026-01-01T00:00:00Z" }
            return ["metadata": .object(meta), "spec": ["containers": [["name": "main"]]], "status": status]
        }
        #expect(PodPrinter.reason(pod(["phase": "Pending", "containerStatuses": [["state": ["waiting": ["reason": "ErrImagePull"]]]]])) == "ErrImagePull")
        #expect(PodPrinter.reason(pod(["phase": "Succeeded", "containerStatuses": [["state": ["terminated": ["reason": "Completed", "exitCode": 0]]]]])) == "Completed")
        #expect(PodPrinter.reason(pod(["phase": "Running"], deleting: true)) == "Terminating")
        #expect(PodPrinter.reason(pod(["phase": "Pending", "initContainerStatuses": [["state": ["waiting": ["reason": "PodInitializing"]]]]])) == "Init:0/1")
        #expect(PodPrinter.reason(pod(["phase": "Pending", "conditions": [["type": "PodScheduled", "status": "False", "reason": "SchedulingGated"]]])) == "SchedulingGated")
        #expect(ServerTable.humanDuration(59) == "59s" && ServerTable.humanDuration(150) == "2m30s" && ServerTable.humanDuration(3 * 3600) == "3h")
    }

    /// Go's url.ParseQuery: kubectl sends `-l 'app in (a,b)'` with `+` for spaces.
    @Test func plusInAQueryIsASpace() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        try await http.post("/api/v1/namespaces/default/pods", SimHTTP.pod("a1", labels: ["app": "a"]))
        try await http.post("/api/v1/namespaces/default/pods", SimHTTP.pod("c1", labels: ["app": "c"]))
        #expect(try await http.get("/api/v1/namespaces/default/pods?labelSelector=app+in+%28a%2Cb%29").names == ["a1"])
        #expect(try await http.get("/api/v1/namespaces/default/pods?labelSelector=app+notin+(a)").names == ["c1"])
    }

    /// k8s.io/cli-runtime resource/query_param_verifier_v3.go: kubectl lets the server validate when the
    /// group-version's PATCH operation lists `fieldValidation`; explain reads the kind's schema.
    @Test func openAPIDocumentsDescribeServedKinds() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let root = try await http.get("/openapi/v3").body
        let url = try #require(root["paths"]?["api/v1"]?["serverRelativeURL"]?.stringValue)
        #expect(root["paths"]?["apis/apps/v1"] != nil)
        let doc = try await http.get(url).body
        let patch = doc["paths"]?["/api/v1/namespaces/{namespace}/pods/{name}"]?["patch"]
        #expect(patch?["x-kubernetes-group-version-kind"]?["kind"] == "Pod")
        #expect(patch?["parameters"]?.arrayValue?.contains { $0["name"] == "fieldValidation" && $0["in"] == "query" } == true)
        let pod = doc["components"]?["schemas"]?["io.k8s.api.core.v1.Pod"]
        #expect(pod?["properties"]?["spec"]?["$ref"] == "#/components/schemas/io.k8s.api.core.v1.PodSpec")
        #expect(doc["paths"]?["/api/v1/nodes/{name}"] != nil)
        let v2 = try await http.call("GET", "/openapi/v2", extraHeaders: [("Accept", "application/json")]).body
        #expect(v2["swagger"] == "2.0" && v2["definitions"]?["io.k8s.api.core.v1.Node"] != nil)
        #expect(try await http.call("GET", "/openapi/v2", extraHeaders: [("Accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf")]).status == 406)
    }

    @Test func unknownFieldsAreDroppedWithAWarningOrRefusedWhenStrict() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let map: JSONValue = ["metadata": ["name": "cfg", "labels": ["a": "b"]], "data": ["k": "v"], "bogus": 1,
                              "spec": ["x": 1]]
        let strict = try await http.post("/api/v1/namespaces/default/configmaps?fieldValidation=Strict", map)
        #expect(strict.status == 400 && strict.reason == "BadRequest")
        #expect(strict.message == "strict decoding error: unknown field \"bogus\", unknown field \"spec\"")
        let warned = try await http.post("/api/v1/namespaces/default/configmaps", map)
        #expect(warned.status == 201)
        #expect(warned.body["bogus"] == nil && warned.body["data"]?["k"] == "v")
        #expect(warned.header("Warning")?.contains("unknown field \\\"") == true)
        let pod: JSONValue = ["metadata": ["name": "p"], "spec": ["containers": [["name": "main", "image": "busybox", "imagePullPolicyy": "Always"]]]]
        let nested = try await http.post("/api/v1/namespaces/default/pods?fieldValidation=Strict", pod)
        #expect(nested.message == "strict decoding error: unknown field \"spec.containers[0].imagePullPolicyy\"")
        let badMode = try await http.post("/api/v1/namespaces/default/configmaps?fieldValidation=Loose", map)
        #expect(badMode.status == 400)
    }

    /// `kubectl auth can-i`: pkg/registry/authorization/selfsubjectaccessreview answers with status.allowed.
    @Test func selfSubjectAccessReviewAnswersForTheCaller() async throws {
        let server = try await SimHTTP.start { $0.tokens = ["ro": "viewer"]; $0.readonlyUsers = ["viewer"] }
        defer { Task { await server.stop() } }
        var http = server
        http.headers = [("Authorization", "Bearer ro")]
        func review(_ verb: String) -> JSONValue {
            ["apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
             "spec": ["resourceAttributes": ["namespace": "default", "verb": .string(verb), "resource": "pods"]]]
        }
        let path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
        let list = try await http.post(path, review("list"))
        #expect(list.status == 201 && list.body["status"]?["allowed"] == true)
        #expect(try await http.post(path, review("create")).body["status"]?["allowed"] == false)
        #expect(try await http.post(path, ["spec": [:]]).status == 422)
    }

    /// A followed log keeps its response open; stopping the server ends it instead of waiting for it.
    @Test func stopEndsFollowedLogs() async throws {
        let http = try await SimHTTP.start(Self.withKubelet)
        let pod: JSONValue = ["metadata": ["name": "web-1"], "spec": ["restartPolicy": "Always", "containers": [["name": "main", "image": "busybox"]]]]
        try await http.post("/api/v1/namespaces/default/pods", pod)
        let running = await KubeletWait.until {
            http.sim.store.get(.pods, namespace: "default", name: "web-1")?.object["status"]?["phase"] == "Running"
        }
        #expect(running)
        let follow = try await http.watch("/api/v1/namespaces/default/pods/web-1/log?follow=true")
        let response = try await follow.open()
        #expect(response.status == 200)
        await http.stop()
        var bytes: [UInt8] = []
        for try await chunk in response.body { bytes += chunk }
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("kubesim: container main of pod default/web-1 started"))
    }
}
