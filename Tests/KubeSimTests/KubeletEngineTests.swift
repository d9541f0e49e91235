import DockerEngine
import Foundation
import SluiceKube
import Testing
@testable import KubeSim

/// The engine these tests run pods in: `$DOCKER_HOST` (scripts/container-engine.sh prints one), else the
/// usual sockets. Without one the suite is skipped with the reason, except under CI (`CI=true`), where it
/// runs and fails.
enum KubeSimTestEngine {
    /// Found with a plain blocking ping over the socket: trait evaluation runs on the Swift pool, where waiting
    /// for an async discovery would hold a pool thread (two such waits stall every async test of the run).
    static let endpoint: EngineEndpoint? = {
        var candidates: [(String, String)] = []
        if let host = ProcessInfo.processInfo.environment["DOCKER_HOST"] { candidates.append((host, "DOCKER_HOST")) }
        candidates += [("unix:///var/run/docker.sock", "default"), ("unix:///run/podman/podman.sock", "podman")]
        for (address, source) in candidates {
            if let e = EngineEndpoint.parse(address, source: source), ping(e.socketPath) { return e }
        }
        return nil
    }()
    static var enabled: Bool { endpoint != nil || ProcessInfo.processInfo.environment["CI"] == "true" }
    static let reason: Comment = "no container engine answers: run scripts/container-engine.sh and export the DOCKER_HOST it prints"

    /// The engine's address for `Kubelet.Options.engineAddress`, and a client to check on its containers.
    static func engine() throws -> (address: String, client: EngineClient) {
        guard let found = endpoint else { throw ContainerRuntimeError(description: reason.description) }
        return ("unix://\(found.socketPath)", EngineClient(endpoint: found))
    }

    /// `GET /_ping` over the unix socket, answered `OK` within 5 seconds.
    static func ping(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { return false }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { return false }
        let request = Array("GET /_ping HTTP/1.0\r\nHost: engine\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else { return false }
        var reply = [UInt8](repeating: 0, count: 512)
        let n = recv(fd, &reply, reply.count, 0)
        return n > 0 && String(decoding: reply[0..<n], as: UTF8.self).hasPrefix("HTTP/1.") && String(decoding: reply[0..<n], as: UTF8.self).contains(" 200 ")
    }
}

/// `--run-commands --runtime engine`: pods run as engine containers from their images.
@Suite(.enabled(if: KubeSimTestEngine.enabled, KubeSimTestEngine.reason))
struct KubeletEngineTests {
    typealias F = KubeletFixtures

    /// Runs a kubelet with `runtime` on `store` around `body`, then stops it and waits until it has removed
    /// what it started.
    static func withKubelet(_ store: ObjectStore, runtime: ContainerRuntimeChoice = .engine, address: String,
                            _ body: (Kubelet) async throws -> Void) async throws {
        let root = NSTemporaryDirectory() + "kubesim-test-\(UUID().uuidString)"
        var options = Kubelet.Options(runCommands: true, podRoot: root)
        options.runtime = runtime
        options.engineAddress = address
        let kubelet = Kubelet(store: store, options: options)
        let running = Task { try await kubelet.run() }
        do { try await body(kubelet) } catch {
            running.cancel()
            _ = await running.result
            throw error
        }
        running.cancel()
        // A kubelet that stopped on its own (no engine answered, say) is why the body's waits failed: say so.
        if case .failure(let error) = await running.result, !(error is CancellationError) {
            Issue.record("the kubelet stopped: \(error)")
        }
        try? FileManager.default.removeItem(atPath: root)
    }

    static func busybox(_ script: String, limits: JSONObject = [:]) -> [JSONValue] {
        var container: JSONObject = ["name": "main", "image": "busybox:1.36", "command": ["sh", "-c"], "args": [.string(script)]]
        if !limits.isEmpty { container["resources"] = ["limits": .object(limits)] }
        return [.object(container)]
    }

    static func status(_ store: ObjectStore, _ pod: String) -> JSONValue? {
        store.get(.pods, namespace: "default", name: pod)?.object["status"]
    }

    static func containerState(_ store: ObjectStore, _ pod: String) -> JSONValue? {
        status(store, pod)?["containerStatuses"]?.arrayValue?.first?["state"]
    }

    @Test func aFailingContainerReportsItsExitCodeAndItsLogThroughTheAPI() async throws {
        let (address, client) = try KubeSimTestEngine.engine()
        var options = KubeSimOptions()
        options.runCommands = true
        options.runtime = .engine
        options.engineAddress = address
        options.components = KubeSimComponents.builtIn(options)
        let server = try await KubeSim.start(options)
        try server.store.create(.pods, namespace: "default", F.pod("engine-exit", containers: Self.busybox("echo hi; exit 3")))
        #expect(await KubeletWait.until { Self.status(server.store, "engine-exit")?["phase"] == "Failed" })
        let terminated = Self.containerState(server.store, "engine-exit")?["terminated"]
        #expect(terminated?["exitCode"] == 3)
        #expect(terminated?["reason"] == "Error")
        let (code, body) = try await KubeletServerTests.get("\(server.baseURL)/api/v1/namespaces/default/pods/engine-exit/log")
        #expect(code == 200)
        #expect(body == "hi\n")
        let labels = [EngineContainerSpec.podLabel: "engine-exit", EngineContainerSpec.namespaceLabel: "default"]
        #expect(try await client.listContainers(labels: labels).count == 1)
        await server.stop()
        #expect(try await client.listContainers(labels: labels).isEmpty, "shutdown removes the containers KubeSim started")
    }

    @Test func anAllocationBeyondTheMemoryLimitIsOOMKilled() async throws {
        let (address, _) = try KubeSimTestEngine.engine()
        let store = ObjectStore()
        try await Self.withKubelet(store, address: address) { _ in
            let containers = Self.busybox("dd if=/dev/zero of=/dev/null bs=200M count=1", limits: ["memory": "32Mi"])
            try store.create(.pods, namespace: "default", F.pod("engine-oom", containers: containers))
            #expect(await KubeletWait.until { Self.status(store, "engine-oom")?["phase"] == "Failed" })
        }
        let terminated = Self.containerState(store, "engine-oom")?["terminated"]
        #expect(terminated?["reason"] == "OOMKilled")
        #expect(terminated?["exitCode"] == 137)
    }

    @Test func deletingThePodRemovesItsContainer() async throws {
        let (address, client) = try KubeSimTestEngine.engine()
        let store = ObjectStore(expireTerminatingPods: false)
        try await Self.withKubelet(store, address: address) { kubelet in
            try store.create(.pods, namespace: "default", F.pod("engine-sleep", containers: Self.busybox("exec sleep 1000")))
            let labels = [EngineContainerSpec.podLabel: "engine-sleep", EngineContainerSpec.ownerLabel: kubelet.engineOwner]
            #expect(await KubeletWait.until { (try? await client.listContainers(labels: labels))?.first?.state == "running" })
            _ = try store.delete(.pods, namespace: "default", name: "engine-sleep", options: DeleteOptions(gracePeriodSeconds: 1))
            #expect(await KubeletWait.until { store.get(.pods, namespace: "default", name: "engine-sleep") == nil })
            #expect(await KubeletWait.until { (try? await client.listContainers(labels: labels))?.isEmpty == true })
        }
    }

    @Test func configMapEnvAndTheTerminationMessageReachTheContainer() async throws {
        let (address, _) = try KubeSimTestEngine.engine()
        let store = ObjectStore()
        try store.create(.configMaps, namespace: "default", ["metadata": ["name": "settings"], "data": ["mode": "fast"]])
        let spec: [JSONValue] = [[
            "name": "main", "image": "busybox:1.36", "workingDir": "/tmp",
            "command": ["sh", "-c", "echo mode=$MODE in $(pwd); printf 'all done' > /dev/termination-log"],
            "env": [["name": "MODE", "valueFrom": ["configMapKeyRef": ["name": "settings", "key": "mode"]]]],
        ]]
        try await Self.withKubelet(store, address: address) { kubelet in
            try store.create(.pods, namespace: "default", F.pod("engine-env", containers: spec))
            #expect(await KubeletWait.until { Self.status(store, "engine-env")?["phase"] == "Succeeded" })
            var text = ""
            let log = try kubelet.logs.logs(namespace: "default", pod: "engine-env", container: nil, previous: false,
                                            tailLines: nil, follow: false)
            for await chunk in log { text += String(decoding: chunk, as: UTF8.self) }
            #expect(text == "mode=fast in /tmp\n")
        }
        #expect(Self.containerState(store, "engine-env")?["terminated"]?["message"] == "all done")
    }

    @Test func aSluiceAttemptPodReadsItsSecretVolumeAndWritesItsMessageIntoAnEmptyDir() async throws {
        let (address, _) = try KubeSimTestEngine.engine()
        let store = ObjectStore()
        try store.create(.secrets, namespace: "default",
                         ["metadata": ["name": "attempt-e"], "stringData": ["inputs.json": #"{"n":3}"#, "token": "tok-e"]])
        let script = #"printf '{"token":"%s","user":"%s","inputs":%s}' "$SLUICE_CALLBACK_TOKEN" "$(id -u)" "$(cat "$SLUICE_INPUTS")" > "$SLUICE_OUTPUTS"; "#
            + "touch /readonly-root 2>/dev/null && exit 9; touch /sluice/in/x 2>/dev/null && exit 8; exit 0"
        let pod = try #require(KubeletVolumeTests.attemptPod("attempt-e", secret: "attempt-e", script: script, shell: "sh",
                                                             readOnlyRoot: true).objectValue)
        try await Self.withKubelet(store, address: address) { _ in
            try store.create(.pods, namespace: "default", pod)
            #expect(await KubeletWait.until { Self.status(store, "attempt-e")?["phase"]?.stringValue == "Succeeded" })
        }
        let terminated = Self.containerState(store, "attempt-e")?["terminated"]
        #expect(terminated?["exitCode"] == 0)
        #expect(terminated?["message"]?.stringValue == #"{"token":"tok-e","user":"65532","inputs":{"n":3}}"#)
    }

    @Test func runAsNonRootWithAnImageWithoutAUserIsACreateContainerConfigError() async throws {
        let (address, _) = try KubeSimTestEngine.engine()
        let store = ObjectStore()
        try await Self.withKubelet(store, address: address) { _ in
            var pod = F.pod("engine-root", containers: Self.busybox("true"))
            pod["spec"]?["securityContext"] = ["runAsNonRoot": true]
            try store.create(.pods, namespace: "default", pod)
            #expect(await KubeletWait.until {
                Self.containerState(store, "engine-root")?["waiting"]?["reason"] == "CreateContainerConfigError"
            })
        }
        let uid = store.get(.pods, namespace: "default", name: "engine-root")?.uid ?? ""
        #expect(Self.containerState(store, "engine-root")?["waiting"]?["message"]?.stringValue
            == "container has runAsNonRoot and image will run as root (pod: \"engine-root_default(\(uid))\", container: main)")
    }

    @Test func anImageTheEngineLacksFailsToPull() async throws {
        let (address, _) = try KubeSimTestEngine.engine()
        let store = ObjectStore()
        try await Self.withKubelet(store, address: address) { _ in
            let containers: [JSONValue] = [["name": "main", "image": "localhost/kubesim-no-such-image:0.1", "command": ["true"]]]
            try store.create(.pods, namespace: "default", F.pod("engine-missing", containers: containers))
            #expect(await KubeletWait.until {
                let reason = Self.containerState(store, "engine-missing")?["waiting"]?["reason"]?.stringValue
                return reason == "ErrImagePull" || reason == "ImagePullBackOff"
            })
        }
        #expect(Self.status(store, "engine-missing")?["phase"] == "Pending")
    }
}

/// `--runtime auto` without an engine keeps running commands as local processes.
struct KubeletRuntimeChoiceTests {
    @Test func autoWithoutAnEngineRunsLocalProcesses() async throws {
        let store = ObjectStore()
        let nowhere = "unix://" + NSTemporaryDirectory() + "kubesim-no-engine-\(UUID().uuidString).sock"
        try await KubeletEngineTests.withKubelet(store, runtime: .auto, address: nowhere) { _ in
            let containers: [JSONValue] = [["name": "main", "image": "busybox", "command": ["/bin/sh", "-c", "exit 4"]]]
            try store.create(.pods, namespace: "default", KubeletFixtures.pod("host-exit", containers: containers))
            #expect(await KubeletWait.until { KubeletEngineTests.status(store, "host-exit")?["phase"] == "Failed" })
        }
        let terminated = KubeletEngineTests.containerState(store, "host-exit")?["terminated"]
        #expect(terminated?["exitCode"] == 4)
    }

    @Test func engineWithoutAnEngineRefusesToRun() async throws {
        let nowhere = "unix://" + NSTemporaryDirectory() + "kubesim-no-engine-\(UUID().uuidString).sock"
        var options = Kubelet.Options(runCommands: true)
        options.runtime = .engine
        options.engineAddress = nowhere
        let kubelet = Kubelet(store: ObjectStore(), options: options)
        await #expect(throws: ContainerRuntimeError.self) { try await kubelet.run() }
    }
}

/// How a pod's container spec becomes the engine's create body (no engine needed).
struct EngineContainerSpecTests {
    @Test func commandArgsEnvAndLimitsFollowKubernetesSemantics() throws {
        let store = ObjectStore()
        try store.create(.configMaps, namespace: "default", ["metadata": ["name": "cfg"], "data": ["mode": "fast"]])
        try store.create(.secrets, namespace: "default", ["metadata": ["name": "sec"], "data": ["token": "czNjcjN0"]])
        let spec: JSONValue = [
            "name": "main", "image": "busybox:1.36", "command": ["sh", "-c"], "args": ["echo $(MODE) $(TOKEN)"],
            "workingDir": "/work",
            "env": [["name": "MODE", "valueFrom": ["configMapKeyRef": ["name": "cfg", "key": "mode"]]],
                    ["name": "TOKEN", "valueFrom": ["secretKeyRef": ["name": "sec", "key": "token"]]],
                    ["name": "POD", "valueFrom": ["fieldRef": ["fieldPath": "metadata.name"]]]],
            "resources": ["limits": ["memory": "32Mi", "cpu": "500m"]],
        ]
        let pod = KubeletFixtures.pod("p1", containers: [spec])
        let made = EngineContainerSpec(container: spec, pod: pod, uid: "0123456789ab", owner: "k1",
                                       terminationFile: "/tmp/p1/main.termination-log", store: store)
        #expect(made.name == "kubesim_default_p1_main_01234567")
        #expect(made.config.entrypoint == ["sh", "-c"])
        #expect(made.config.cmd == ["echo fast s3cr3t"])
        #expect(made.config.env["POD"] == "p1")
        #expect(made.config.workingDir == "/work")
        #expect(made.config.host.memory == 32 << 20)
        #expect(made.config.host.nanoCpus == 500_000_000)
        #expect(made.config.host.networkMode == "none")
        #expect(made.config.host.binds == ["/tmp/p1/main.termination-log:/dev/termination-log"])
        #expect(made.config.labels[EngineContainerSpec.podLabel] == "p1")
    }

    @Test func argsAloneKeepTheImageEntrypoint() {
        let spec: JSONValue = ["name": "main", "image": "python:3.11-slim", "args": ["-c", "print(1)"]]
        let made = EngineContainerSpec(container: spec, pod: KubeletFixtures.pod("p2", containers: [spec]), uid: "u",
                                       owner: "k1", terminationFile: "/tmp/t", store: ObjectStore())
        #expect(made.config.entrypoint == nil)
        #expect(made.config.cmd == ["-c", "print(1)"])
    }
}
