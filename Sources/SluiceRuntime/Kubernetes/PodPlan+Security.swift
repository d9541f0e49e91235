import SluiceEngine
import SluiceKube
import SluiceModel

/// Security defaults: a non-root user, no privilege escalation, no capabilities, the runtime's seccomp profile
/// and no service account token. A container task loosens them with `user:` and `security:`; a pod template
/// keeps every field it sets itself and gets the defaults for the rest.
extension PodPlan {
    static func applySecurity(_ podSpec: inout JSONObject, _ spec: AttemptSpec, settings: KubePodSettings) throws(BackendError) {
        var container = ContainerSpec()
        if case .container(let c) = spec.task.runtime { container = c }
        try applySecurity(&podSpec, container: container, owner: "task '\(spec.task.name)'", settings: settings)
    }

    /// The same defaults for any pod spec (a task's pod, an app's pod template), loosened by `container`'s `user:` and
    /// `security:`; `owner` names the task or app in errors.
    static func applySecurity(_ podSpec: inout JSONObject, container: ContainerSpec, owner: String, settings: KubePodSettings) throws(BackendError) {
        let loosened = container.security ?? ContainerSecurity()
        let (uid, gid) = try user(container.user, owner: owner, settings: settings)
        if uid == 0 && !loosened.runAsRoot {
            throw BackendError("\(owner): user: \(container.user ?? "0") is root; add security: {run_as_root: true} to run as root on Kubernetes",
                               kind: .user)
        }
        var pod = podSpec["securityContext"]?.objectValue ?? JSONObject()
        // A pod template's own user (root included: setting it is explicit) decides the other defaults.
        var user = loosened.runAsRoot && container.user == nil ? Int64(0) : uid
        if let theirs = pod["runAsUser"]?.intValue { user = theirs }
        let group = pod["runAsGroup"]?.intValue ?? (user == uid ? gid : user)
        var defaults: JSONObject = ["seccompProfile": ["type": "RuntimeDefault"], "runAsNonRoot": .bool(user != 0),
                                    "runAsUser": .int(user), "runAsGroup": .int(group)]
        if user != 0 { defaults["fsGroup"] = .int(group) }
        fill(&pod, defaults)
        podSpec["securityContext"] = .object(pod)
        if podSpec["automountServiceAccountToken"] == nil { podSpec["automountServiceAccountToken"] = false }
        for key in ["initContainers", "containers"] {
            guard var list = podSpec[key]?.arrayValue else { continue }
            for i in list.indices {
                var context = list[i]["securityContext"]?.objectValue ?? JSONObject()
                var ours: JSONObject = ["allowPrivilegeEscalation": .bool(loosened.privilegeEscalation)]
                var capabilities: JSONObject = ["drop": ["ALL"]]
                if !loosened.capabilities.isEmpty { capabilities["add"] = .array(loosened.capabilities.map { .string($0) }) }
                ours["capabilities"] = .object(capabilities)
                if container.readOnlyRootFilesystem == true { ours["readOnlyRootFilesystem"] = true }
                fill(&context, ours)
                list[i]["securityContext"] = .object(context)
            }
            podSpec[key] = .array(list)
        }
    }

    /// Sets each default the object does not set itself.
    static func fill(_ object: inout JSONObject, _ defaults: JSONObject) {
        for (k, v) in defaults where object[k] == nil { object[k] = v }
    }

    /// `user: "uid[:gid]"` as numbers (Kubernetes knows no user names); the cluster's default user otherwise.
    static func user(_ text: String?, owner: String, settings: KubePodSettings) throws(BackendError) -> (Int64, Int64) {
        guard let text else { return (settings.defaultUser, settings.defaultUser) }
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let uid = Int64(parts[0]), uid >= 0, parts.count == 1 || Int64(parts[1]).map({ $0 >= 0 }) == true else {
            throw BackendError("\(owner): user '\(text)' must be numeric (uid or uid:gid) on Kubernetes, which cannot look names up in the image",
                               kind: .user)
        }
        return (uid, parts.count == 2 ? Int64(parts[1])! : uid)
    }
}
