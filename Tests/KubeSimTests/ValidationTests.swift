import SluiceKube
import Testing
@testable import KubeSim

/// Checks the schemas cannot express, with the real messages and causes.
struct ValidationTests {
    func podWith(_ container: JSONValue) -> JSONValue {
        ["metadata": ["name": "p"], "spec": ["containers": [container]]]
    }

    @Test func podNeedsContainersWithNameAndImage() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let pods = "/api/v1/namespaces/default/pods"
        let none = try await http.post(pods, ["metadata": ["name": "p"], "spec": ["containers": []]])
        #expect(none.message == "Pod \"p\" is invalid: spec.containers: Required value")
        let unnamed = try await http.post(pods, podWith(["image": "busybox"]))
        #expect(unnamed.status == 422 && unnamed.message == "Pod \"p\" is invalid: spec.containers[0].name: Required value")
        #expect(unnamed.body["details"] == ["name": "p", "kind": "Pod",
                                            "causes": [["reason": "FieldValueRequired", "message": "Required value", "field": "spec.containers[0].name"]]])
        let two = try await http.post(pods, podWith(["name": "c"]))
        #expect(two.message == "Pod \"p\" is invalid: spec.containers[0].image: Required value")
        let noName = try await http.post(pods, ["metadata": [:], "spec": ["containers": [["name": "c", "image": "i"]]]])
        #expect(noName.message == "Pod \"\" is invalid: metadata.name: Required value: name or generateName is required")
    }

    @Test func namesFollowDNSRules() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let bad = try await http.post("/api/v1/namespaces/default/pods", SimHTTP.pod("Bad_Name"))
        #expect(bad.body["details"]?["causes"]?[0]?["reason"] == "FieldValueInvalid")
        #expect(bad.message?.hasPrefix("Pod \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain") == true)
        let dotted = try await http.post("/api/v1/namespaces/default/services",
                                         ["metadata": ["name": "my.svc"], "spec": ["ports": [["port": 80]]]])
        #expect(dotted.message?.contains("a DNS-1035 label must consist of lower case alphanumeric characters") == true)
        let ok = try await http.post("/api/v1/namespaces/default/services", ["metadata": ["name": "web"], "spec": ["ports": [["port": 80]]]])
        #expect(ok.status == 201 && ok.body["spec"]?["type"] == "ClusterIP" && ok.body["spec"]?["ports"]?[0]?["targetPort"] == 80)
    }

    @Test func gpuRequestsMustEqualLimitsAndBeWhole() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let pods = "/api/v1/namespaces/default/pods"
        let unequal = try await http.post(pods, podWith(["name": "c", "image": "i", "resources": ["requests": ["nvidia.com/gpu": "1"], "limits": ["nvidia.com/gpu": "2"]]]))
        #expect(unequal.message == "Pod \"p\" is invalid: spec.containers[0].resources.requests[nvidia.com/gpu]: Invalid value: \"1\": must be equal to nvidia.com/gpu limit of 2")
        let fraction = try await http.post(pods, podWith(["name": "c", "image": "i", "resources": ["limits": ["nvidia.com/gpu": "500m"]]]))
        // The request defaults from the limit (SetDefaults_Pod) before validation, so both are reported.
        #expect(fraction.message == "Pod \"p\" is invalid: [spec.containers[0].resources.limits[nvidia.com/gpu]: Invalid value: \"500m\": must be an integer, "
            + "spec.containers[0].resources.requests[nvidia.com/gpu]: Invalid value: \"500m\": must be an integer]")
        let noLimit = try await http.post(pods, podWith(["name": "c", "image": "i", "resources": ["requests": ["nvidia.com/gpu": "1"]]]))
        #expect(noLimit.status == 422 && noLimit.body["details"]?["causes"]?[0]?["reason"] == "FieldValueForbidden")
        let cpu = try await http.post(pods, podWith(["name": "c", "image": "i", "resources": ["requests": ["cpu": "2"], "limits": ["cpu": "1"]]]))
        #expect(cpu.message == "Pod \"p\" is invalid: spec.containers[0].resources.requests[cpu]: Invalid value: \"2\": must be less than or equal to cpu limit of 1")
        let fine = try await http.post(pods, podWith(["name": "c", "image": "i", "resources": ["requests": ["nvidia.com/gpu": 1], "limits": ["nvidia.com/gpu": "1"]]]))
        #expect(fine.status == 201)
    }

    @Test func deploymentTemplateMustRestartAlwaysAndMatchItsSelector() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let path = "/apis/apps/v1/namespaces/default/deployments"
        let never = try await http.post(path, SimHTTP.deployment("web", restartPolicy: "Never"))
        #expect(never.message == "Deployment.apps \"web\" is invalid: spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"")
        #expect(never.body["details"]?["group"] == "apps" && never.body["details"]?["kind"] == "Deployment")
        let mismatch = try await http.post(path, SimHTTP.deployment("web", templateLabels: ["app": "db"]))
        #expect(mismatch.message == "Deployment.apps \"web\" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"db\"}: `selector` does not match template `labels`")
    }

    @Test func labelKeysAndValuesFollowTheQualifiedNameRules() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let pods = "/api/v1/namespaces/default/pods"
        let value = try await http.post(pods, SimHTTP.pod("p", labels: ["run": "has space"]))
        #expect(value.message == "Pod \"p\" is invalid: metadata.labels: Invalid value: \"has space\": " + LabelRules.valueMessage)
        let long = String(repeating: "a", count: 64)
        let tooLong = try await http.post(pods, SimHTTP.pod("p", labels: ["run": long]))
        #expect(tooLong.message == "Pod \"p\" is invalid: metadata.labels: Invalid value: \"\(long)\": must be no more than 63 characters")
        let key = try await http.post(pods, SimHTTP.pod("p", labels: ["Bad_Prefix/ok": "v"]))
        #expect(key.message?.hasPrefix("Pod \"p\" is invalid: metadata.labels: Invalid value: \"Bad_Prefix/ok\": prefix part a lowercase RFC 1123 subdomain") == true)
        let fine = try await http.post(pods, SimHTTP.pod("p", labels: ["sluice.dev/run": "run-1.a_b", "empty": ""]))
        #expect(fine.status == 201)
        let template = try await http.post("/apis/apps/v1/namespaces/default/deployments",
                                           SimHTTP.deployment("web", templateLabels: ["app": "web", "x": "-bad"]))
        #expect(template.body["details"]?["causes"]?[0]?["field"] == "spec.template.metadata.labels")
    }

    @Test func eventsV1NeedTheirReportingFields() async throws {
        let http = try await SimHTTP.start()
        defer { Task { await http.stop() } }
        let reply = try await http.post("/apis/events.k8s.io/v1/namespaces/default/events", ["metadata": ["name": "e"], "reason": "R"])
        #expect(reply.status == 422)
        #expect(reply.body["details"]?["causes"]?.arrayValue?.compactMap { $0["field"]?.stringValue } == ["eventTime", "reportingController", "reportingInstance", "action"])
    }
}
