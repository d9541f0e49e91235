import SluiceEngine
import SluiceKube
import SluiceModel

/// The container that runs the task: image, command, environment, the attempt's volumes and task secrets.
extension PodPlan {
    /// The writable folder of the attempt (an `emptyDir`): outputs, work dir, anything the task writes, so a
    /// read-only root file system works.
    static let sluiceVolume = "sluice"
    /// The attempt Secret's `inputs.json`, read-only.
    static let inputsVolume = "sluice-in"
    static let tmpVolume = "sluice-tmp"
    static let shmVolume = "sluice-shm"
    static let mountPoint = "/sluice"

    /// `text` as Kubernetes passes it on unchanged: it expands `$(NAME)` in a container's command and args from the
    /// container's environment, and reads `$$` as `$`. A task's argv (inputs substituted) must reach the task as the
    /// local and container backends give it, so every `$` is doubled.
    static func literal(_ text: String) -> String { text.replacingOccurrences(of: "$", with: "$$") }

    /// The `task` container of a container task. `spec.command` is the substituted argv: the entrypoint when the
    /// task sets `command:` (or for a revert), else arguments to the image's entrypoint, as on the container backend.
    static func taskContainer(_ spec: AttemptSpec, _ c: ContainerSpec, environment: [String: String], name: String) throws(BackendError) -> JSONObject {
        guard let image = spec.image ?? c.image, !image.isEmpty else {
            throw BackendError("task '\(spec.task.name)' has no image; on Kubernetes every task runs in its image (set image:)", kind: .user)
        }
        for a in spec.command where a.utf8.contains(0) {
            throw BackendError("task '\(spec.task.name)': command has an argument with a NUL byte", kind: .user)
        }
        var container: JSONObject = ["name": .string(taskContainer), "image": .string(image)]
        if spec.ref.purpose == .revert || !c.command.isEmpty {
            container["command"] = .array(spec.command.map { .string(literal($0)) })
        } else if !spec.command.isEmpty {
            container["args"] = .array(spec.command.map { .string(literal($0)) })
        }
        if spec.ref.purpose == .run, let dir = c.workingDir {
            container["workingDir"] = .string(dir.hasPrefix("/") ? dir : mountPoint + "/work/" + dir)
        }
        if !c.ports.isEmpty {
            container["ports"] = .array(c.ports.map { ["containerPort": .int(Int64($0)), "protocol": "TCP"] })
        }
        try addSluiceContract(&container, spec, environment: environment, name: name)
        if let resources = try resources(spec) { container["resources"] = .object(resources) }
        return container
    }

    /// What every task container gets, ours over the task's: the `SLUICE_*` environment, task env and secrets,
    /// the attempt's mounts and the termination message file that carries outputs back.
    static func addSluiceContract(_ container: inout JSONObject, _ spec: AttemptSpec, environment: [String: String], name: String) throws(BackendError) {
        let ours = sluiceEnvironment(spec, environment: environment, name: name)
        let ourNames = Set(ours.compactMap { $0["name"]?.stringValue })
        var env = (container["env"]?.arrayValue ?? []).filter { !ourNames.contains($0["name"]?.stringValue ?? "") }
        for e in spec.env where !ourNames.contains(e.name) { env.append(["name": .string(e.name), "value": .string(e.value)]) }
        var mounts = container["volumeMounts"]?.arrayValue ?? []
        try addSecrets(spec.task.secrets, owner: "task '\(spec.task.name)'", env: &env, mounts: &mounts)
        container["env"] = .array(env + ours)
        mounts.append(["name": .string(sluiceVolume), "mountPath": .string(mountPoint)])
        mounts.append(["name": .string(inputsVolume), "mountPath": .string(mountPoint + "/in"), "readOnly": true])
        container["volumeMounts"] = .array(mounts)
        container["terminationMessagePath"] = .string(outputsPath)
        container["terminationMessagePolicy"] = "File"
    }

    /// `SLUICE_*` variables. Inputs are a file (`SLUICE_INPUTS`, from the attempt Secret), not a variable: a
    /// variable would count against the argument size limit and show in `kubectl describe`. The callback token
    /// comes from the Secret by reference, never inline.
    static func sluiceEnvironment(_ spec: AttemptSpec, environment: [String: String], name: String) -> [JSONValue] {
        var env: [JSONValue] = [
            ["name": "SLUICE_RUN_ID", "value": .string(spec.runID)],
            ["name": "SLUICE_NODE_ID", "value": .string(spec.ref.node)],
            ["name": "SLUICE_ATTEMPT", "value": .string(String(spec.ref.attempt))],
            ["name": "SLUICE_INPUTS", "value": .string(inputsPath)],
            ["name": "SLUICE_OUTPUTS", "value": .string(outputsPath)],
        ]
        for (k, v) in environment.sorted(by: { $0.key < $1.key }) where k != "SLUICE_CALLBACK_TOKEN" {
            env.append(["name": .string(k), "value": .string(v)])
        }
        if environment["SLUICE_CALLBACK_TOKEN"] != nil {
            env.append(["name": "SLUICE_CALLBACK_TOKEN", "valueFrom": ["secretKeyRef": ["name": .string(name), "key": "token"]]])
        }
        return env
    }

    /// The attempt's own volumes (writable `/sluice`, the inputs Secret, `/tmp` for a read-only root, `/dev/shm`)
    /// and a volume per task secret mounted at a path.
    static func addSluiceVolumes(_ podSpec: inout JSONObject, _ spec: AttemptSpec, name: String) {
        var volumes = podSpec["volumes"]?.arrayValue ?? []
        volumes.append(["name": .string(sluiceVolume), "emptyDir": [:]])
        volumes.append(["name": .string(inputsVolume),
                        "secret": ["secretName": .string(name), "items": [["key": "inputs.json", "path": "inputs.json"]]]])
        volumes += secretVolumes(spec.task.secrets)
        if case .container(let c) = spec.task.runtime, c.readOnlyRootFilesystem == true {
            volumes.append(["name": .string(tmpVolume), "emptyDir": [:]])
            mount(&podSpec, ["name": .string(tmpVolume), "mountPath": "/tmp"])
        }
        if let shm = spec.resources.shm {
            volumes.append(["name": .string(shmVolume), "emptyDir": ["medium": "Memory", "sizeLimit": .string(shm.canonical)]])
            mount(&podSpec, ["name": .string(shmVolume), "mountPath": "/dev/shm"])
        }
        podSpec["volumes"] = .array(volumes)
    }

    /// Adds a mount to the task's (primary) container: the one that carries the termination message file.
    static func mount(_ podSpec: inout JSONObject, _ mount: JSONValue) {
        guard var containers = podSpec["containers"]?.arrayValue,
              let i = containers.firstIndex(where: { $0["terminationMessagePath"]?.stringValue == outputsPath }) else { return }
        var mounts = containers[i]["volumeMounts"]?.arrayValue ?? []
        mounts.append(mount)
        containers[i]["volumeMounts"] = .array(mounts)
        podSpec["containers"] = .array(containers)
    }

    /// A task's or an app's secrets (`owner`: "task 'NAME'", "app 'NAME'"): each checked, then a variable from
    /// the Secret's key (`valueFrom.secretKeyRef`, replacing one of that name in `env`) or, for `path`, a mount of
    /// the key from the volume `secretVolumes` adds.
    static func addSecrets(_ secrets: [SecretRef], owner: String, env: inout [JSONValue], mounts: inout [JSONValue]) throws(BackendError) {
        for (i, s) in secrets.enumerated() {
            try checkSecret(s, owner: owner, index: i)
            if let path = s.path {
                mounts.append(["name": .string("secret-\(i)"), "mountPath": .string(path), "subPath": .string(s.key ?? s.name), "readOnly": true])
            } else {
                env.removeAll { $0["name"]?.stringValue == LocalSecrets.variable(s) }
                env.append(["name": .string(LocalSecrets.variable(s)),
                            "valueFrom": ["secretKeyRef": ["name": .string(s.name), "key": .string(s.key ?? s.name)]]])
            }
        }
    }

    /// A volume (`secret-N`) for each secret mounted at a path.
    static func secretVolumes(_ secrets: [SecretRef]) -> [JSONValue] {
        secrets.enumerated().filter { $0.element.path != nil }.map { i, s in
            ["name": .string("secret-\(i)"), "secret": ["secretName": .string(s.name)]]
        }
    }

    /// A secret names a Kubernetes Secret (a DNS subdomain) and a key in it (`key`, else the secret's name).
    static func checkSecret(_ s: SecretRef, owner: String, index: Int) throws(BackendError) {
        let key = s.key ?? s.name
        if s.name.isEmpty || s.name.utf8.count > 253
            || !s.name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ KubernetesName.dns1123LabelProblem(String($0)) == nil }) {
            throw BackendError("\(owner): secrets[\(index)].name '\(s.name)' is not a Kubernetes Secret name (lowercase letters, digits, '-' and '.')",
                               kind: .user)
        }
        if key.isEmpty || key.utf8.count > 253 || !key.utf8.allSatisfy({ isAlnum($0) || $0 == 0x2d || $0 == 0x2e || $0 == 0x5f }) {
            throw BackendError("\(owner): secrets[\(index)].key '\(key)' is not a valid Secret key (letters, digits, '-', '_' and '.')", kind: .user)
        }
        if let path = s.path, !path.hasPrefix("/") {
            throw BackendError("\(owner): secrets[\(index)].path '\(path)' must be an absolute path in the container", kind: .user)
        }
    }

    static func isAlnum(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) }
}
