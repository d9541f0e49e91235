import DockerEngine
import Foundation
import SluiceKube
import SluiceModel

/// How the engine runtime runs one container of a pod: the engine's create body, built from the
/// container's spec as a kubelet would build it.
///
/// `command` replaces the image's ENTRYPOINT and `args` its CMD (a `command` without `args` runs with no
/// CMD); the environment is `ContainerEnvironment`'s, then `$(VAR)` expands in command and args.
/// `limits.memory` becomes the hard memory limit and `limits.cpu` the CPU quota. Each volume mount is a
/// bind of the volume's host folder (read-only for Secret, ConfigMap, downward API and projected volumes
/// and `readOnly` mounts); the termination message file is a host file bind-mounted at
/// `terminationMessagePath`. The security context (container over pod) gives the user (`runAsUser`,
/// `runAsGroup`), extra groups (`fsGroup`, `supplementalGroups`), `readOnlyRootFilesystem`, capabilities,
/// `privileged`, `allowPrivilegeEscalation: false` (no-new-privileges) and an Unconfined seccomp profile.
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
        self.init(container: spec, sources: PodSources(pod: pod, store: store), uid: uid, owner: owner,
                  terminationFile: terminationFile, mounts: [])
    }

    init(container spec: JSONValue, sources: PodSources, uid: String, owner: String, terminationFile: String,
         mounts: [PodVolumes.Mount]) {
        let pod = sources.pod
        let namespace = sources.namespace
        let podName = pod["metadata"]?["name"]?.stringValue ?? ""
        let container = spec["name"]?.stringValue ?? "container"
        name = "kubesim_\(namespace)_\(podName)_\(container)_\(uid.prefix(8))"
        config = ContainerConfig(image: spec["image"]?.stringValue ?? "")
        let env = ContainerEnvironment.resolve(spec, sources: sources)
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
        // Outer folders first: the engine mounts in this order, so a nested mount lands inside its parent.
        let ordered = mounts.sorted { $0.containerPath.split(separator: "/").count < $1.containerPath.split(separator: "/").count }
        config.host.binds = ordered.map { "\($0.hostPath):\($0.containerPath)\($0.readOnly ? ":ro" : "")" }
            + ["\(terminationFile):\(messagePath)"]
        Self.applySecurity(spec, pod: pod, to: &config)
    }

    /// The pod's and container's securityContext, the container's fields winning.
    static func applySecurity(_ spec: JSONValue, pod: JSONObject, to config: inout ContainerConfig) {
        let own = spec["securityContext"]
        let podContext = pod["spec"]?["securityContext"]
        func effective(_ key: String) -> JSONValue? { own?[key] ?? podContext?[key] }
        if let user = effective("runAsUser")?.intValue {
            config.user = effective("runAsGroup")?.intValue.map { "\(user):\($0)" } ?? "\(user)"
        }
        var groups = (podContext?["supplementalGroups"]?.arrayValue ?? []).compactMap(\.intValue).map(String.init)
        if let fsGroup = podContext?["fsGroup"]?.intValue { groups.insert(String(fsGroup), at: 0) }
        config.host.groupAdd = groups
        config.host.readonlyRootfs = own?["readOnlyRootFilesystem"]?.boolValue ?? false
        config.host.privileged = own?["privileged"]?.boolValue ?? false
        config.host.capAdd = (own?["capabilities"]?["add"]?.arrayValue ?? []).compactMap(\.stringValue)
        config.host.capDrop = (own?["capabilities"]?["drop"]?.arrayValue ?? []).compactMap(\.stringValue)
        var options: [String] = []
        if own?["allowPrivilegeEscalation"]?.boolValue == false { options.append("no-new-privileges") }
        if effective("seccompProfile")?["type"]?.stringValue == "Unconfined" { options.append("seccomp=unconfined") }
        config.host.securityOpt = options
    }
}
