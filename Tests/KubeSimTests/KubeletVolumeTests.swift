import Foundation
import SluiceKube
import Testing
@testable import KubeSim

/// `--run-commands` with local processes, through the API over loopback: Secrets and ConfigMaps reach
/// containers as env and volumes, missing ones hold the pod as a kubelet does, runAsNonRoot is checked,
/// and a pod's owned objects go with it.
struct KubeletVolumeTests {
    static func start() async throws -> SimHTTP {
        try await SimHTTP.start { options in
            options.runCommands = true
            options.components = KubeSimComponents.builtIn(options)
        }
    }

    static func secret(_ name: String, _ strings: [String: String]) -> JSONValue {
        var data = JSONObject()
        for (key, value) in strings.sorted(by: { $0.key < $1.key }) { data[key] = .string(value) }
        return ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": .string(name)], "stringData": .object(data)]
    }

    /// A pod shaped like the Sluice Kubernetes backend's: attempt Secret at /sluice/in, an emptyDir work
    /// folder at /sluice holding the termination message, the token from the Secret, a non-root user.
    static func attemptPod(_ name: String, secret: String, script: String, shell: String = "/bin/sh",
                           readOnlyRoot: Bool = false) -> JSONValue {
        let container: JSONValue = [
            "name": "main", "image": "busybox:1.36", "command": [.string(shell), "-c", .string(script)],
            "terminationMessagePath": "/sluice/outputs.json", "terminationMessagePolicy": "File",
            "env": [["name": "SLUICE_INPUTS", "value": "/sluice/in/inputs.json"],
                    ["name": "SLUICE_OUTPUTS", "value": "/sluice/outputs.json"],
                    ["name": "SLUICE_CALLBACK_TOKEN", "valueFrom": ["secretKeyRef": ["name": .string(secret), "key": "token"]]],
                    ["name": "POD_NAME", "valueFrom": ["fieldRef": ["fieldPath": "metadata.name"]]]],
            "volumeMounts": [["name": "work", "mountPath": "/sluice"],
                             ["name": "in", "mountPath": "/sluice/in", "readOnly": true],
                             ["name": "shm", "mountPath": "/dev/shm"]],
            "securityContext": ["allowPrivilegeEscalation": false, "capabilities": ["drop": ["ALL"]],
                                "readOnlyRootFilesystem": .bool(readOnlyRoot)],
        ]
        return [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)],
            "spec": [
                "restartPolicy": "Never", "containers": [container],
                "securityContext": ["runAsNonRoot": true, "runAsUser": 65532, "seccompProfile": ["type": "RuntimeDefault"]],
                "volumes": [["name": "in", "secret": ["secretName": .string(secret)]],
                            ["name": "work", "emptyDir": [:]],
                            ["name": "shm", "emptyDir": ["medium": "Memory", "sizeLimit": "64Mi"]]],
            ],
        ]
    }

    static func pod(_ http: SimHTTP, _ name: String) async throws -> JSONValue {
        try await http.get("/api/v1/namespaces/default/pods/\(name)").body
    }

    static func waiting(_ pod: JSONValue) -> JSONValue? { pod["status"]?["containerStatuses"]?[0]?["state"]?["waiting"] }

    /// The messages of the pod's events with this reason.
    static func events(_ http: SimHTTP, pod: String, reason: String) async throws -> [String] {
        let items = try await http.get("/api/v1/namespaces/default/events").body["items"]?.arrayValue ?? []
        return items.filter { $0["involvedObject"]?["name"]?.stringValue == pod && $0["reason"]?.stringValue == reason }
            .compactMap { $0["message"]?.stringValue }
    }

    @Test func secretVolumeSecretEnvAndAnEmptyDirTerminationMessageReachThePod() async throws {
        let http = try await Self.start()
        defer { Task { await http.stop() } }
        try await http.post("/api/v1/namespaces/default/secrets",
                            Self.secret("attempt-1", ["inputs.json": #"{"n":3}"#, "token": "tok-123"]))
        let script = #"ls /sluice > /dev/shm/listing; printf '{"token":"%s","pod":"%s","inputs":%s,"work":"%s"}' "#
            + #""$SLUICE_CALLBACK_TOKEN" "$POD_NAME" "$(cat "$SLUICE_INPUTS")" "$(tr '\n' ' ' < /dev/shm/listing)" > "$SLUICE_OUTPUTS""#
        #expect(try await http.post("/api/v1/namespaces/default/pods", Self.attemptPod("attempt-1", secret: "attempt-1", script: script)).status == 201)
        #expect(await KubeletWait.until { (try? await Self.pod(http, "attempt-1"))?["status"]?["phase"]?.stringValue == "Succeeded" })
        let terminated = try await Self.pod(http, "attempt-1")["status"]?["containerStatuses"]?[0]?["state"]?["terminated"]
        #expect(terminated?["message"]?.stringValue == #"{"token":"tok-123","pod":"attempt-1","inputs":{"n":3},"work":"in "}"#)
        #expect(terminated?["exitCode"] == 0)
    }

    @Test func aMissingSecretHoldsTheContainerInCreateContainerConfigErrorUntilItExists() async throws {
        let http = try await Self.start()
        defer { Task { await http.stop() } }
        let container: JSONValue = [
            "name": "main", "image": "busybox:1.36", "command": ["/bin/sh", "-c", "printf %s \"$TOKEN\" > /dev/termination-log"],
            "env": [["name": "TOKEN", "valueFrom": ["secretKeyRef": ["name": "later", "key": "token"]]]],
        ]
        let pod: JSONValue = ["metadata": ["name": "held"], "spec": ["restartPolicy": "Never", "containers": [container]]]
        try await http.post("/api/v1/namespaces/default/pods", pod)
        #expect(await KubeletWait.until { Self.waiting((try? await Self.pod(http, "held")) ?? nil)?["reason"] == "CreateContainerConfigError" })
        #expect(Self.waiting(try await Self.pod(http, "held"))?["message"] == #"secret "later" not found"#)
        #expect(try await Self.events(http, pod: "held", reason: "Failed").contains(#"Error: secret "later" not found"#))

        try await http.post("/api/v1/namespaces/default/secrets", Self.secret("later", ["other": "x"]))
        #expect(await KubeletWait.until {
            Self.waiting((try? await Self.pod(http, "held")) ?? nil)?["message"] == "couldn't find key token in Secret default/later"
        })
        #expect(try await Self.pod(http, "held")["status"]?["phase"] == "Pending")

        try await http.put("/api/v1/namespaces/default/secrets/later", Self.secret("later", ["token": "t0k"]))
        #expect(await KubeletWait.until { (try? await Self.pod(http, "held"))?["status"]?["phase"]?.stringValue == "Succeeded" })
        #expect(try await Self.pod(http, "held")["status"]?["containerStatuses"]?[0]?["state"]?["terminated"]?["message"] == "t0k")
    }

    @Test func aMissingSecretVolumeKeepsThePodContainerCreatingWithFailedMount() async throws {
        let http = try await Self.start()
        defer { Task { await http.stop() } }
        try await http.post("/api/v1/namespaces/default/pods",
                            Self.attemptPod("unmounted", secret: "absent", script: "cat /sluice/in/token > /sluice/outputs.json"))
        let expected = #"MountVolume.SetUp failed for volume "in" : secret "absent" not found"#
        #expect(await KubeletWait.until { (try? await Self.events(http, pod: "unmounted", reason: "FailedMount"))?.contains(expected) == true })
        let pod = try await Self.pod(http, "unmounted")
        #expect(pod["status"]?["phase"] == "Pending")
        #expect(Self.waiting(pod)?["reason"] == "ContainerCreating")

        try await http.post("/api/v1/namespaces/default/secrets", Self.secret("absent", ["token": "late"]))
        #expect(await KubeletWait.until { (try? await Self.pod(http, "unmounted"))?["status"]?["phase"]?.stringValue == "Succeeded" })
        #expect(try await Self.pod(http, "unmounted")["status"]?["containerStatuses"]?[0]?["state"]?["terminated"]?["message"] == "late")
    }

    @Test func runAsNonRootWithAnImageRunningAsRootIsACreateContainerConfigError() async throws {
        let http = try await Self.start()
        defer { Task { await http.stop() } }
        let pod: JSONValue = [
            "metadata": ["name": "rooted"],
            "spec": ["restartPolicy": "Never", "securityContext": ["runAsNonRoot": true],
                     "containers": [["name": "main", "image": "busybox:1.36", "command": ["/bin/true"]]]],
        ]
        let uid = try await http.post("/api/v1/namespaces/default/pods", pod).body["metadata"]?["uid"]?.stringValue ?? ""
        #expect(await KubeletWait.until { Self.waiting((try? await Self.pod(http, "rooted")) ?? nil)?["reason"] == "CreateContainerConfigError" })
        let message = "container has runAsNonRoot and image will run as root (pod: \"rooted_default(\(uid))\", container: main)"
        #expect(Self.waiting(try await Self.pod(http, "rooted"))?["message"]?.stringValue == message)
        #expect(try await Self.events(http, pod: "rooted", reason: "Failed").contains("Error: " + message))
    }

    @Test func deletingAPodDeletesTheSecretsItOwns() async throws {
        let http = try await Self.start()
        defer { Task { await http.stop() } }
        let created = try await http.post("/api/v1/namespaces/default/pods", SimHTTP.pod("owner"))
        let uid = try #require(created.body["metadata"]?["uid"]?.stringValue)
        var owned = Self.secret("owner", ["token": "t"]).objectValue!
        owned.setMetadata("ownerReferences", [["apiVersion": "v1", "kind": "Pod", "name": "owner", "uid": .string(uid)]])
        try await http.post("/api/v1/namespaces/default/secrets", .object(owned))
        try await http.post("/api/v1/namespaces/default/secrets", Self.secret("unowned", ["token": "t"]))
        #expect(try await http.delete("/api/v1/namespaces/default/pods/owner").status == 200)
        #expect(await KubeletWait.until { (try? await http.get("/api/v1/namespaces/default/secrets/owner"))?.status == 404 })
        #expect(try await http.get("/api/v1/namespaces/default/secrets/unowned").status == 200)

        // Created after its owner is gone: the collector deletes it too.
        owned.setMetadata("name", "late")
        #expect(try await http.post("/api/v1/namespaces/default/secrets", .object(owned)).status == 201)
        #expect(await KubeletWait.until { (try? await http.get("/api/v1/namespaces/default/secrets/late"))?.status == 404 })
    }
}
