import Foundation
import SluiceKube
import Testing
@testable import KubeSim

/// How volumes, env references and the security context become files, paths and engine settings (no
/// kubelet running).
struct PodVolumesTests {
    static func store() throws -> ObjectStore {
        let store = ObjectStore()
        try store.create(.secrets, namespace: "default", ["metadata": ["name": "s"], "stringData": ["token": "t0k", "ca.crt": "CA"]])
        try store.create(.configMaps, namespace: "default", ["metadata": ["name": "c"], "data": ["mode": "fast"]])
        return store
    }

    @Test func secretStringDataIsFoldedIntoDataAsTheAPIServerDoes() throws {
        let stored = try #require(try Self.store().get(.secrets, namespace: "default", name: "s")?.object)
        #expect(stored["stringData"] == nil)
        #expect(stored["data"]?["token"] == "dDBr")
        #expect(stored["type"] == "Opaque")
    }

    @Test func pathsMapAtWholeComponentsLongestFirstInOnePass() {
        let map = ContainerPathMap([("/sluice", "/h/work"), ("/sluice/in", "/h/in"), ("/tmp", "/h/tmp")])
        #expect(map.rewrite("cat /sluice/in/inputs.json > /sluice/out") == "cat /h/in/inputs.json > /h/work/out")
        #expect(map.rewrite("/sluicer /a/sluice x/sluice") == "/sluicer /a/sluice x/sluice")
        #expect(map.rewrite("--out=/sluice PATH=/bin:/tmp") == "--out=/h/work PATH=/bin:/h/tmp")
        #expect(map.host(for: "/sluice/outputs.json") == "/h/work/outputs.json")
        #expect(map.host(for: "/dev/termination-log") == nil)
    }

    @Test func envResolvesReferencesFieldsAndResources() throws {
        let store = try Self.store()
        let spec: JSONValue = [
            "name": "main", "resources": ["limits": ["cpu": "500m", "memory": "64Mi"]],
            "envFrom": [["prefix": "CM_", "configMapRef": ["name": "c"]]],
            "env": [["name": "TOKEN", "valueFrom": ["secretKeyRef": ["name": "s", "key": "token"]]],
                    ["name": "OPT", "valueFrom": ["configMapKeyRef": ["name": "none", "key": "k", "optional": true]]],
                    ["name": "APP", "valueFrom": ["fieldRef": ["fieldPath": "metadata.labels['app']"]]],
                    ["name": "IP", "valueFrom": ["fieldRef": ["fieldPath": "status.podIP"]]],
                    ["name": "CPU", "valueFrom": ["resourceFieldRef": ["resource": "limits.cpu"]]],
                    ["name": "MEM", "valueFrom": ["resourceFieldRef": ["resource": "limits.memory", "divisor": "1Mi"]]],
                    ["name": "SAY", "value": "$(TOKEN)-$(CM_mode)"]],
        ]
        let pod = KubeletFixtures.pod("p", containers: [spec], labels: ["app": "web"])
        let env = ContainerEnvironment.resolve(spec, sources: PodSources(pod: pod, store: store, podIP: "10.244.0.9"))
        #expect(env["TOKEN"] == "t0k")
        #expect(env["OPT"] == nil)
        #expect(env["APP"] == "web")
        #expect(env["IP"] == "10.244.0.9")
        #expect(env["CPU"] == "1")
        #expect(env["MEM"] == "64")
        #expect(env["SAY"] == "t0k-fast")
    }

    @Test func secretItemsModesAndDownwardAPIFilesAreWritten() throws {
        let store = try Self.store()
        let folder = NSTemporaryDirectory() + "kubesim-volumes-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var pod = KubeletFixtures.pod("p", labels: ["app": "web"])
        pod["spec"]?["volumes"] = [
            ["name": "s", "secret": ["secretName": "s", "defaultMode": 0o400, "items": [["key": "token", "path": "auth/token"]]]],
            ["name": "d", "downwardAPI": ["items": [["path": "labels", "fieldRef": ["fieldPath": "metadata.labels"]]]]],
            ["name": "e", "emptyDir": ["medium": "Memory"]],
        ]
        let volumes = PodVolumes(pod: pod, podFolder: folder)
        volumes.materialize(PodSources(pod: pod, store: store))
        let token = folder + "/volumes/s/auth/token"
        #expect(try String(contentsOfFile: token, encoding: .utf8) == "t0k")
        #expect((try FileManager.default.attributesOfItem(atPath: token)[.posixPermissions] as? Int) == 0o400)
        #expect(!FileManager.default.fileExists(atPath: folder + "/volumes/s/ca.crt"))
        #expect(try String(contentsOfFile: folder + "/volumes/d/labels", encoding: .utf8) == "app=\"web\"")
        #expect((try FileManager.default.attributesOfItem(atPath: folder + "/volumes/e")[.posixPermissions] as? Int) == 0o777)
        let mounts = volumes.mounts(for: ["volumeMounts": [["name": "s", "mountPath": "/etc/s"], ["name": "e", "mountPath": "/dev/shm"]]],
                                    environment: [:])
        #expect(mounts == [PodVolumes.Mount(containerPath: "/etc/s", hostPath: folder + "/volumes/s", readOnly: true),
                           PodVolumes.Mount(containerPath: "/dev/shm", hostPath: folder + "/volumes/e", readOnly: false)])
    }

    @Test func aTerminationMessagePathInsideAMountIsThatVolumesFile() {
        let spec: JSONValue = ["name": "main", "command": ["sh", "-c", "echo ok > /sluice/outputs.json"],
                               "terminationMessagePath": "/sluice/outputs.json"]
        let mounts = [PodVolumes.Mount(containerPath: "/sluice", hostPath: "/p/volumes/work", readOnly: false)]
        let command = ContainerCommand(container: spec, podFolder: "/p", inherited: [:], sources: nil, mounts: mounts)
        #expect(command.terminationMessageFile == "/p/volumes/work/outputs.json")
        #expect(command.argv == ["sh", "-c", "echo ok > /p/volumes/work/outputs.json"])
    }

    @Test func theEngineGetsMountsUserCapabilitiesAndNoNewPrivileges() throws {
        let spec: JSONValue = [
            "name": "main", "image": "busybox:1.36", "command": ["true"], "terminationMessagePath": "/sluice/outputs.json",
            "securityContext": ["allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                                "capabilities": ["drop": ["ALL"]], "runAsGroup": 1000],
        ]
        var pod = KubeletFixtures.pod("p", containers: [spec])
        pod["spec"]?["securityContext"] = ["runAsUser": 65532, "runAsNonRoot": true, "fsGroup": 2000]
        let mounts = [PodVolumes.Mount(containerPath: "/sluice/in", hostPath: "/p/volumes/in", readOnly: true),
                      PodVolumes.Mount(containerPath: "/sluice", hostPath: "/p/volumes/work", readOnly: false)]
        let made = EngineContainerSpec(container: spec, sources: PodSources(pod: pod, store: ObjectStore()), uid: "u", owner: "k",
                                       terminationFile: "/p/volumes/work/outputs.json", mounts: mounts)
        #expect(made.config.host.binds == ["/p/volumes/work:/sluice", "/p/volumes/in:/sluice/in:ro",
                                           "/p/volumes/work/outputs.json:/sluice/outputs.json"])
        #expect(made.config.user == "65532:1000")
        #expect(made.config.host.groupAdd == ["2000"])
        #expect(made.config.host.capDrop == ["ALL"])
        #expect(made.config.host.securityOpt == ["no-new-privileges"])
        #expect(made.config.host.readonlyRootfs)
        #expect(made.config.json["HostConfig"]?["CapDrop"] == ["ALL"])
    }

    @Test func runAsNonRootIsCheckedAgainstTheImageUser() {
        var pod = KubeletFixtures.pod("p")
        pod["spec"]?["securityContext"] = ["runAsNonRoot": true]
        let container: JSONValue = ["name": "main", "image": "busybox"]
        #expect(PodConfiguration.nonRootProblem(pod, container: container, imageUser: "")
            == "container has runAsNonRoot and image will run as root (pod: \"p_default(uid-p)\", container: main)")
        #expect(PodConfiguration.nonRootProblem(pod, container: container, imageUser: "65532") == nil)
        #expect(PodConfiguration.nonRootProblem(pod, container: container, imageUser: "app")?.contains("non-numeric user (app)") == true)
        let root: JSONValue = ["name": "main", "image": "busybox", "securityContext": ["runAsUser": 0]]
        #expect(PodConfiguration.nonRootProblem(pod, container: root, imageUser: "65532")?.hasPrefix("container's runAsUser breaks non-root policy") == true)
        #expect(ImageRegistry().user(of: "gcr.io/distroless/static:nonroot") == "65532")
        #expect(ImageRegistry().user(of: "busybox:1.36") == "")
    }
}
