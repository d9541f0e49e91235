import Foundation
import KubeSim
import SluiceAPI
import SluiceKube
import SluiceModel
import SluiceRuntime
import SluiceStore
import Testing

/// Apps on the Kubernetes backend against KubeSim over loopback (real HTTP, the real libcurl client): the objects
/// an app becomes, writes only on change, scale, stop and start, delete through the garbage collector, and the
/// status of pods that crash or cannot pull their image.
@Suite struct KubernetesAppsTests {
    /// A fixture, a store over its folder, and the app backend over both.
    struct Harness {
        let fixture: KubeFixture
        let store: Store
        let apps: KubernetesApps

        static func start() async throws -> Harness {
            let fixture = try await KubeFixture.start()
            let store = try await onThread { try Store.open(directory: fixture.directory) }
            return Harness(fixture: fixture, store: store, apps: fixture.apps(store))
        }

        func object(_ type: SimResource, _ name: String) -> JSONObject? {
            fixture.sim.store.get(type, namespace: fixture.namespace, name: name)?.object
        }

        /// Creates, replaces and patches of app objects sent by Sluice (not KubeSim's controllers).
        func ourWrites() -> [WriteRecord] {
            fixture.sim.store.writes().filter { KubeFixture.isSent($0) && $0.type.plural != "pods" && $0.type.plural != "secrets" }
        }

        func stop() async {
            await apps.shutdown()
            let store = self.store
            _ = try? await onThread { store.close() }
            await fixture.stop()
        }
    }

    static func web(command: [String] = ["sh", "-c", "echo web up; exec sleep 600"], image: String = "busybox:1.36", replicas: Int = 2,
                    env: [EnvVar] = [EnvVar(name: "MODE", value: "a")]) -> AppSpec {
        var spec = AppSpec(name: "web", image: image, command: command, env: env, port: 8080,
                           replicas: ReplicaPolicy(min: replicas, max: replicas),
                           health: HealthCheck(path: "/ready", interval: .seconds(3), timeout: DurationValue(milliseconds: 1500), failures: 4),
                           startupGrace: .seconds(20))
        spec.resources.requests.memory = try? Quantity(parsing: "64Mi")
        spec.resources.limits.cpu = try? Quantity(parsing: "500m")
        return spec
    }

    @Test func deployMakesADeploymentAndAServiceOwnedByTheAppsConfigMap() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let views = try await h.apps.deploy([Self.web()])
        #expect(views.map(\.name) == ["web"])

        let owner = try #require(h.object(.configMaps, "sluice-app-web"))
        let ownerUID = try #require(owner["metadata"]?["uid"]?.stringValue)
        let spec = try JSONDecoder().decode(AppSpec.self, from: Data(try #require(owner["data"]?["spec.json"]?.stringValue).utf8))
        #expect(spec == Self.web())
        let deployment = try #require(h.object(.deployments, "web"))
        let service = try #require(h.object(.services, "web"))
        for object in [deployment, service] {
            #expect(object["metadata"]?["ownerReferences"]?.arrayValue?.first?["uid"]?.stringValue == ownerUID)
            #expect(object["metadata"]?["labels"]?["sluice.dev/app"]?.stringValue == "web")
            #expect(object["metadata"]?["annotations"]?["sluice.dev/spec-hash"] == owner["metadata"]?["annotations"]?["sluice.dev/spec-hash"])
        }
        #expect(deployment["spec"]?["replicas"]?.intValue == 2)
        let pod = try #require(deployment["spec"]?["template"]?["spec"])
        #expect(pod["restartPolicy"]?.stringValue == "Always")
        #expect(pod["automountServiceAccountToken"]?.boolValue == false)
        #expect(pod["securityContext"]?["runAsNonRoot"]?.boolValue == true)
        #expect(pod["securityContext"]?["seccompProfile"]?["type"]?.stringValue == "RuntimeDefault")
        let container = try #require(pod["containers"]?.arrayValue?.first)
        #expect(container["securityContext"]?["allowPrivilegeEscalation"]?.boolValue == false)
        #expect(container["securityContext"]?["capabilities"]?["drop"]?.arrayValue?.first?.stringValue == "ALL")
        #expect(container["image"]?.stringValue == "busybox:1.36")
        #expect(container["ports"]?.arrayValue?.first?["containerPort"]?.intValue == 8080)
        let env = (container["env"]?.arrayValue ?? []).compactMap { e in e["name"]?.stringValue.map { ($0, e["value"]?.stringValue ?? "") } }
        #expect(env.map(\.0) == ["MODE", "PORT"] && env.map(\.1) == ["a", "8080"])
        // A request given alone is also the limit, as for task pods.
        #expect(container["resources"]?["limits"]?["memory"]?.stringValue == "64Mi")
        #expect(container["resources"]?["requests"]?["cpu"]?.stringValue == "500m")
        let readiness = try #require(container["readinessProbe"])
        #expect(readiness["httpGet"]?["path"]?.stringValue == "/ready")
        #expect(readiness["periodSeconds"]?.intValue == 3 && readiness["timeoutSeconds"]?.intValue == 2 && readiness["failureThreshold"]?.intValue == 4)
        #expect(container["livenessProbe"] == readiness)
        #expect(container["startupProbe"]?["periodSeconds"]?.intValue == 3 && container["startupProbe"]?["failureThreshold"]?.intValue == 7)
        #expect(service["spec"]?["type"]?.stringValue == "ClusterIP")
        #expect(service["spec"]?["ports"]?.arrayValue?.first?["port"]?.intValue == 8080)
        #expect(service["spec"]?["selector"] == deployment["spec"]?["selector"]?["matchLabels"])

        let healthy = try await eventually { try await h.apps.view("web").healthy == 2 }
        let view = try await h.apps.view("web")
        #expect(healthy && view.state == "healthy", "\(view)")
        #expect(view.replicaStates.allSatisfy { $0.pod?.hasPrefix("web-") == true })
        // The gateway has somewhere to go once a pod is ready.
        #expect(h.apps.routing("web")?.upstreams().map(\.address) == [AppAddress(host: "web.default.svc", port: 8080)])
        await h.stop()
    }

    @Test func aRedeployOfTheSameSpecWritesNothingAndAChangedSpecRollsTheTemplate() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        _ = try await h.apps.deploy([Self.web()])
        let before = h.ourWrites().count
        let firstHash = h.object(.deployments, "web")?["metadata"]?["annotations"]?["sluice.dev/spec-hash"]
        #expect(before == 3)  // owner, Deployment, Service

        _ = try await h.apps.deploy([Self.web()])
        #expect(h.ourWrites().count == before)
        try await h.apps.restore()
        #expect(h.ourWrites().count == before)

        _ = try await h.apps.deploy([Self.web(env: [EnvVar(name: "MODE", value: "b")])])
        let deployment = try #require(h.object(.deployments, "web"))
        let hash = deployment["metadata"]?["annotations"]?["sluice.dev/spec-hash"]
        #expect(hash != nil && hash != firstHash)
        #expect(deployment["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["env"]?.arrayValue?.first?["value"]?.stringValue == "b")
        #expect(h.object(.services, "web")?["metadata"]?["annotations"]?["sluice.dev/spec-hash"] == hash)
        // The Deployment rolls over to a second ReplicaSet; its pods carry the new value.
        let rolled = try await eventually {
            let view = try await h.apps.view("web")
            let pods = h.fixture.pods().filter { $0["metadata"]?["labels"]?["sluice.dev/app"]?.stringValue == "web" && $0["metadata"]?["deletionTimestamp"] == nil }
            return view.state == "healthy" && pods.count == 2
                && pods.allSatisfy { $0["spec"]?["containers"]?.arrayValue?.first?["env"]?.arrayValue?.first?["value"]?.stringValue == "b" }
        }
        let after = try await h.apps.view("web")
        #expect(rolled, "\(after)")
        await h.stop()
    }

    @Test func aRedeployWithOnlyAnotherReplicaCountKeepsThePodsAndUpdatesTheSpec() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        _ = try await h.apps.deploy([Self.web(replicas: 1)])
        #expect(try await eventually { try await h.apps.view("web").state == "healthy" })
        _ = try await h.apps.deploy([Self.web(replicas: 2)])
        #expect(h.object(.deployments, "web")?["spec"]?["replicas"]?.intValue == 2)
        let stored = h.object(.configMaps, "sluice-app-web")?["data"]?["spec.json"]?.stringValue ?? ""
        #expect(try JSONDecoder().decode(AppSpec.self, from: Data(stored.utf8)).replicas.min == 2)
        #expect(try await eventually { try await h.apps.view("web").healthy == 2 })
        // The same template: one ReplicaSet, scaled, no rollout.
        let sets = h.fixture.sim.store.allObjects().filter { $0.type.plural == "replicasets" }
        #expect(sets.count == 1, "\(sets.map(\.name))")
        await h.stop()
    }

    @Test func scaleStopStartAndDelete() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        _ = try await h.apps.deploy([Self.web(replicas: 1)])
        var view = try await h.apps.scale("web", replicas: 3)
        #expect(view.replicas == 3 && h.object(.deployments, "web")?["spec"]?["replicas"]?.intValue == 3)
        #expect(try await eventually { try await h.apps.view("web").healthy == 3 })

        view = try await h.apps.setRunning("web", false)
        #expect(view.state == "stopped" && !view.running)
        #expect(h.object(.deployments, "web")?["spec"]?["replicas"]?.intValue == 0)
        #expect(h.object(.services, "web") != nil && h.object(.configMaps, "sluice-app-web") != nil)
        #expect(try await eventually { try await h.apps.view("web").replicaStates.isEmpty })
        #expect(h.apps.routing("web") == nil)

        view = try await h.apps.setRunning("web", true)
        #expect(h.object(.deployments, "web")?["spec"]?["replicas"]?.intValue == 3)
        #expect(try await eventually { try await h.apps.view("web").state == "healthy" })

        try await h.apps.delete("web")
        let gone = await eventually {
            h.fixture.sim.store.allObjects().allSatisfy { object in
                !["configmaps", "deployments", "services", "replicasets", "pods"].contains(object.type.plural)
                    || object.object["metadata"]?["labels"]?["sluice.dev/app"]?.stringValue != "web"
            }
        }
        #expect(gone)
        await #expect(throws: AppRuntimeError.noApp("web")) { try await h.apps.view("web") }
        await h.stop()
    }

    /// KubeSim restarts simulated containers with the kubelet's back-off (its real processes it does not restart):
    /// `kubesim/fail` exits 1 each run and `kubesim/oom` is OOM-killed each run.
    @Test(arguments: [("kubesim/fail", "exited with code 1"), ("kubesim/oom", "OOMKilled: exited with code 137")])
    func aCrashingAppShowsCrashLoopWithTheReasonAndItsLog(image: String, reason: String) async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        _ = try await h.apps.deploy([Self.web(command: [], image: image, replicas: 1)])
        let looping = try await eventually(.seconds(90)) { try await h.apps.view("web").state == "crash-loop" }
        let view = try await h.apps.view("web")
        #expect(looping, "\(view)")
        #expect(view.lastError?.contains(reason) == true, "\(view)")
        #expect(view.replicaStates.first?.state == "crash-loop" && view.restarts >= 1)
        guard case .remote(let log) = try await h.apps.replicaLog("web", replica: 0) else {
            Issue.record("a pod's log is read from the cluster")
            return
        }
        let text = String(decoding: try await log.read(), as: UTF8.self)
        #expect(text.contains("web-"), "\(text)")
        await h.stop()
    }

    /// A real process that exits: KubeSim does not restart it, but its exit and output are shown.
    @Test func anAppProcessThatExitsShowsItsExitCodeAndItsOutput() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        _ = try await h.apps.deploy([Self.web(command: ["sh", "-c", "echo boom; exit 3"], replicas: 1)])
        let exited = try await eventually { try await h.apps.view("web").lastError?.contains("exited with code 3") == true }
        let view = try await h.apps.view("web")
        #expect(exited && view.replicaStates.first?.state == "restarting", "\(view)")
        guard case .remote(let log) = try await h.apps.replicaLog("web", replica: 0) else {
            Issue.record("a pod's log is read from the cluster")
            return
        }
        let text = String(decoding: try await log.read(), as: UTF8.self)
        #expect(text.contains("boom"), "\(text)")
        await h.stop()
    }

    @Test func anImageThatDoesNotPullShowsTheReason() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        _ = try await h.apps.deploy([Self.web(image: "registry.invalid/nothing:1", replicas: 1)])
        let failing = try await eventually { try await h.apps.view("web").state == "failing" }
        let view = try await h.apps.view("web")
        #expect(failing, "\(view)")
        #expect(view.lastError?.contains("ErrImagePull") == true || view.lastError?.contains("ImagePullBackOff") == true, "\(view)")
        #expect(h.apps.routing("web")?.upstreams().isEmpty == true)
        await h.stop()
    }

    @Test func aRestartedServerMakesMissingObjectsAgainAndLeavesTheRestAlone() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        _ = try await h.apps.deploy([Self.web(replicas: 1)])
        _ = try h.fixture.sim.store.delete(.services, namespace: h.fixture.namespace, name: "web")
        let before = h.ourWrites().count
        let second = h.fixture.apps(h.store)
        try await second.restore()
        #expect(h.object(.services, "web") != nil)
        #expect(h.ourWrites().count == before + 1)  // only the Service
        // An app the store no longer records (deleted while this server was down) leaves the cluster at start.
        let store = h.store
        _ = try await onThread { try store.deleteApp(name: "web") }
        try await second.restore()
        #expect(await eventually { h.object(.configMaps, "sluice-app-web") == nil && h.object(.deployments, "web") == nil })
        await second.shutdown()
        await h.stop()
    }

    /// KubeSim serves no Ingress kind of its own: the test defines `ingresses.networking.k8s.io` as a custom
    /// resource, so the API path, ownership and garbage collection are the real ones.
    @Test func aPublicAppGetsAnIngressWhenTheServerMakesThemAndLosesItWhenItTurnsPrivate() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let crds = ResourceType(apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", resource: "customresourcedefinitions",
                                namespaced: false)
        _ = try await h.fixture.client().create(crds, namespace: nil, [
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": ["name": "ingresses.networking.k8s.io"],
            "spec": ["group": "networking.k8s.io", "scope": "Namespaced",
                     "names": ["plural": "ingresses", "singular": "ingress", "kind": "Ingress", "listKind": "IngressList"],
                     "versions": [["name": "v1", "served": true, "storage": true,
                                   "schema": ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]]]]],
        ])
        var pod = KubePodSettings(namespace: h.fixture.namespace)
        pod.storeID = "apps-test"
        var settings = KubernetesApps.Settings(pod: pod)
        settings.ingressHost = "{name}.apps.example.com"
        settings.ingressClass = "nginx"
        let apps = KubernetesApps(client: h.fixture.client(), settings: settings, store: h.store)
        let ingresses = SimResource(group: "networking.k8s.io", version: "v1", plural: "ingresses", singular: "ingress", kind: "Ingress")
        var spec = Self.web(replicas: 1)
        spec.isPublic = true
        _ = try await apps.deploy([spec])
        let ingress = try #require(h.object(ingresses, "web"))
        let owner = try #require(h.object(.configMaps, "sluice-app-web"))
        #expect(ingress["metadata"]?["ownerReferences"]?.arrayValue?.first?["uid"] == owner["metadata"]?["uid"])
        #expect(ingress["spec"]?["ingressClassName"]?.stringValue == "nginx")
        let rule = ingress["spec"]?["rules"]?.arrayValue?.first
        #expect(rule?["host"]?.stringValue == "web.apps.example.com")
        let path = rule?["http"]?["paths"]?.arrayValue?.first
        #expect(path?["path"]?.stringValue == "/" && path?["pathType"]?.stringValue == "Prefix")
        #expect(path?["backend"]?["service"]?["name"]?.stringValue == "web" && path?["backend"]?["service"]?["port"]?["name"]?.stringValue == "http")
        let writes = h.ourWrites().count
        _ = try await apps.deploy([spec])
        #expect(h.ourWrites().count == writes)

        spec.isPublic = false
        _ = try await apps.deploy([spec])
        #expect(h.object(ingresses, "web") == nil)
        spec.isPublic = true
        _ = try await apps.deploy([spec])
        #expect(h.object(ingresses, "web") != nil)
        // A server started again without --app-ingress-host removes the Ingress it no longer makes (else it would
        // go on exposing the app, even after the app turns private).
        await apps.shutdown()
        let plain = KubernetesApps(client: h.fixture.client(), settings: KubernetesApps.Settings(pod: pod), store: h.store)
        try await plain.restore()
        #expect(h.object(ingresses, "web") == nil)
        #expect(h.object(.services, "web") != nil)
        try await plain.delete("web")
        #expect(await eventually { h.object(.services, "web") == nil })
        await plain.shutdown()
        await h.stop()
    }

    @Test func secretsBecomeSecretKeyRefsAndSecretVolumesWithoutTheirValues() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        var spec = Self.web()
        spec.secrets = [SecretRef(name: "db-password"), SecretRef(name: "api", key: "token", env: "API_TOKEN"),
                        SecretRef(name: "tls", key: "cert.pem", path: "/etc/tls/cert.pem")]
        _ = try await h.apps.deploy([spec])
        let deployment = try #require(h.object(.deployments, "web"))
        let pod = try #require(deployment["spec"]?["template"]?["spec"])
        let container = try #require(pod["containers"]?.arrayValue?.first)
        let env = container["env"]?.arrayValue ?? []
        func ref(_ name: String) -> JSONValue? { env.first { $0["name"]?.stringValue == name }?["valueFrom"]?["secretKeyRef"] }
        #expect(ref("DB_PASSWORD")?["name"]?.stringValue == "db-password" && ref("DB_PASSWORD")?["key"]?.stringValue == "db-password")
        #expect(ref("API_TOKEN")?["name"]?.stringValue == "api" && ref("API_TOKEN")?["key"]?.stringValue == "token")
        #expect(env.last?["name"]?.stringValue == "PORT")
        let mount = try #require(container["volumeMounts"]?.arrayValue?.first)
        #expect(mount["mountPath"]?.stringValue == "/etc/tls/cert.pem" && mount["subPath"]?.stringValue == "cert.pem")
        #expect(mount["readOnly"]?.boolValue == true)
        let volume = try #require(pod["volumes"]?.arrayValue?.first { $0["name"] == mount["name"] })
        #expect(volume["secret"]?["secretName"]?.stringValue == "tls")
        // The spec the ConfigMap carries names the secrets, nothing more.
        let stored = try JSONDecoder().decode(AppSpec.self, from: Data(try #require(h.object(.configMaps, "sluice-app-web")?["data"]?["spec.json"]?.stringValue).utf8))
        #expect(stored.secrets == spec.secrets)
        await h.stop()
    }

    @Test func specsTheClusterCannotRunAreRefusedWithTheReason() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        var noImage = Self.web()
        noImage.image = nil
        var badSecret = Self.web()
        badSecret.secrets = [SecretRef(name: "Bad_Name")]
        var portSecret = Self.web()
        portSecret.secrets = [SecretRef(name: "port")]
        for (spec, words) in [(noImage, "has no image"),
                              (badSecret, "app 'web': secrets[0].name 'Bad_Name' is not a Kubernetes Secret name"),
                              (portSecret, "secrets[0] would be the variable PORT")] {
            do {
                _ = try await h.apps.deploy([spec])
                Issue.record("\(words): accepted")
            } catch {
                #expect(error.description.contains(words), "\(error)")
            }
        }
        #expect(h.ourWrites().isEmpty)
        #expect(try await h.apps.list().isEmpty)
        await h.stop()
    }
}

extension KubeFixture {
    /// The app backend over `store`, in this fixture's namespace, with this fixture's store id.
    func apps(_ store: Store) -> KubernetesApps {
        var pod = KubePodSettings(namespace: namespace)
        pod.storeID = "apps-test"
        return KubernetesApps(client: client(), settings: KubernetesApps.Settings(pod: pod), store: store)
    }
}
