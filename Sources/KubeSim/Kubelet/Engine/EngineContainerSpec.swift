import DockerEngine
import Foundation
import SluiceKube
import SluiceModel

/// How the engine runtime runs one container of a pod: the engine's create body, built from the
/// container's spec as a kubelet would build it.
///
/// `command` replaces the image's ENTRYPOINT and `args` its CMD (a `command` without `args` runs with no
/// CMD); `env` values, ConfigMap/Secret key references, `envFrom` and the pod's own fields
/// (`metadata.name`, `metadata.namespace`, `metadata.uid`, `spec.nodeName`) are resolved, then `$(VAR)`
/// expands in env values, command and args. `limits.memory` becomes the hard memory limit and `limits.cpu`
/// the CPU quota. The termination message file is a host file bind-mounted at `terminationMessagePath`.
struct EngineContainerSpec: Sendable {
    /// Labels on every engine container KubeSim starts.
    static let ownerLabel = "kubesim.sluice.dev/kubelet"
    static let namespaceLabel = "kubesim.sluice.dev/namespace"
    static let podLabel = "kubesim.sluice.dev/pod"
    static let podUIDLabel = "kubesim.sluice.dev/pod-uid"
    static let containerLabel = "kubesim.sluice.dev/container"

    /// The engine container's name: `kubesim_<namespace>_<pod>_<container>_<uid prefix>`, as stable as
    /// the pod's uid.
    var name: String
    var config: ContainerConfig

    init(container spec: JSONValue, pod: JSONObject, uid: String, owner: String, terminationFile: String, store: ObjectStore) {
        let namespace = pod["metadata"]?["namespace"]?.stringValue ?? "default"
        let podName = pod["metadata"]?["name"]?.stringValue ?? ""
        let container = spec["name"]?.stringValue ?? "container"
        name = "kubesim_\(namespace)_\(podName)_\(container)_\(uid.prefix(8))"
        config = ContainerConfig(image: spec["image"]?.stringValue ?? "")
        let env = Self.environment(spec, pod: pod, store: store)
        config.env = env.merging(["HOSTNAME": podName]) { own, _ in own }
        if let command = spec["command"]?.arrayValue, !command.isEmpty {
            config.entrypoint = command.compactMap(\.stringValue).map { ContainerCommand.expand($0, env) }
            config.cmd = (spec["args"]?.arrayValue ?? []).compactMap(\.stringValue).map { ContainerCommand.expand($0, env) }
        } else if let args = spec["args"]?.arrayValue, !args.isEmpty {
            config.cmd = args.compactMap(\.stringValue).map { ContainerCommand.expand($0, env) }
        }
        config.workingDir = spec["workingDir"]?.stringValue
        config.labels = [Self.ownerLabel: owner, Self.namespaceLabel: namespace, Self.podLabel: podName,
                         Self.podUIDLabel: uid, Self.containerLabel: container]
        let limits = spec["resources"]?["limits"]
        if let memory = limits?["memory"]?.stringValue, let q = try? Quantity(parsing: memory) {
            config.host.memory = Int64(clamping: q.milliValue / 1000)
        }
        if let cpu = limits?["cpu"]?.stringValue, let q = try? Quantity(parsing: cpu) {
            config.host.nanoCpus = Int64(clamping: q.milliValue * 1_000_000)
        }
        config.host.networkMode = "none"
        let messagePath = spec["terminationMessagePath"]?.stringValue ?? ContainerCommand.defaultTerminationMessagePath
        config.host.binds = ["\(terminationFile):\(messagePath)"]
    }

    /// The container's environment as the kubelet builds it: `envFrom` first, then `env` in order, each
    /// value expanding `$(VAR)` from what came before. References the store cannot answer are left unset
    /// (a missing required one holds the pod in CreateContainerConfigError before it gets here).
    static func environment(_ spec: JSONValue, pod: JSONObject, store: ObjectStore) -> [String: String] {
        let namespace = pod["metadata"]?["namespace"]?.stringValue ?? "default"
        func data(_ type: SimResource, _ name: String?) -> [String: String] {
            guard let name, let object = store.get(type, namespace: namespace, name: name)?.object else { return [:] }
            var out: [String: String] = [:]
            for (k, v) in object["data"]?.objectValue ?? JSONObject() {
                guard let s = v.stringValue else { continue }
                out[k] = type == .secrets ? Data(base64Encoded: s).map { String(decoding: $0, as: UTF8.self) } ?? s : s
            }
            if type == .secrets {
                for (k, v) in object["stringData"]?.objectValue ?? JSONObject() { out[k] = v.stringValue }
            }
            return out
        }
        var env: [String: String] = [:]
        for source in spec["envFrom"]?.arrayValue ?? [] {
            let prefix = source["prefix"]?.stringValue ?? ""
            let values = source["configMapRef"].map { data(.configMaps, $0["name"]?.stringValue) }
                ?? source["secretRef"].map { data(.secrets, $0["name"]?.stringValue) } ?? [:]
            for (k, v) in values { env[prefix + k] = v }
        }
        for entry in spec["env"]?.arrayValue ?? [] {
            guard let key = entry["name"]?.stringValue else { continue }
            if let value = entry["value"]?.stringValue {
                env[key] = ContainerCommand.expand(value, env)
            } else if let from = entry["valueFrom"] {
                if let ref = from["configMapKeyRef"], let k = ref["key"]?.stringValue {
                    env[key] = data(.configMaps, ref["name"]?.stringValue)[k]
                } else if let ref = from["secretKeyRef"], let k = ref["key"]?.stringValue {
                    env[key] = data(.secrets, ref["name"]?.stringValue)[k]
                } else if let path = from["fieldRef"]?["fieldPath"]?.stringValue {
                    env[key] = fieldValue(path, pod: pod)
                }
            } else {
                env[key] = ""
            }
        }
        return env
    }

    /// The downward API fields known before the container starts.
    static func fieldValue(_ path: String, pod: JSONObject) -> String? {
        switch path {
        case "metadata.name": pod["metadata"]?["name"]?.stringValue
        case "metadata.namespace": pod["metadata"]?["namespace"]?.stringValue ?? "default"
        case "metadata.uid": pod["metadata"]?["uid"]?.stringValue
        case "spec.nodeName": pod["spec"]?["nodeName"]?.stringValue
        case "spec.serviceAccountName": pod["spec"]?["serviceAccountName"]?.stringValue ?? "default"
        default: nil
        }
    }
}
