import SluiceEngine
import SluiceKube
import SluiceModel

/// Pod tasks: the flow's raw PodSpec, merged under our rules. Ours wins for the name, labels, `restartPolicy`,
/// the primary container's `SLUICE_*` environment, mounts and termination message (and its command for a
/// revert); their other containers, volumes, tolerations and node selector are kept; security defaults fill
/// only the fields they leave unset.
extension PodPlan {
    static let reservedVolumes: Set<String> = [sluiceVolume, inputsVolume, tmpVolume, shmVolume]

    static func mergedTemplate(_ spec: AttemptSpec, _ template: LiteralValue, primary: String, environment: [String: String],
                               name: String) throws(BackendError) -> JSONObject {
        let task = spec.task.name
        guard var podSpec = json(template).objectValue else {
            throw BackendError("task '\(task)': pod must be a Kubernetes PodSpec (a mapping)", kind: .user)
        }
        guard var containers = podSpec["containers"]?.arrayValue, !containers.isEmpty else {
            throw BackendError("task '\(task)': pod.containers is empty; a pod task needs its primary container '\(primary)'", kind: .user)
        }
        guard let index = containers.firstIndex(where: { $0["name"]?.stringValue == primary }) else {
            let names = containers.compactMap { $0["name"]?.stringValue }.joined(separator: ", ")
            throw BackendError("task '\(task)': primary_container '\(primary)' is not in pod.containers (found \(names))", kind: .user)
        }
        try checkContainers(podSpec, task: task)
        for v in podSpec["volumes"]?.arrayValue ?? [] {
            if let n = v["name"]?.stringValue, reservedVolumes.contains(n) || n.hasPrefix("secret-") && !spec.task.secrets.isEmpty {
                throw BackendError("task '\(task)': pod.volumes '\(n)' uses a name Sluice reserves for the attempt's own volumes; rename it", kind: .user)
            }
        }
        if podSpec["restartPolicy"]?.stringValue.map({ $0 != "Never" }) == true {
            // An attempt is one try: Kubernetes restarting it would hide failures from the retry budgets.
            _ = podSpec.removeValue(forKey: "restartPolicy")
        }
        var container = containers[index].objectValue ?? JSONObject()
        if spec.ref.purpose == .revert {
            container["command"] = .array(spec.command.map { .string(literal($0)) })
            _ = container.removeValue(forKey: "args")
        }
        try addSluiceContract(&container, spec, environment: environment, name: name)
        if let resources = try resources(spec) { container["resources"] = .object(resources) }
        containers[index] = .object(container)
        for i in containers.indices where i != index && containers[i]["terminationMessagePath"]?.stringValue == outputsPath {
            throw BackendError("task '\(task)': pod.containers[\(i)] uses \(outputsPath) as its termination message; only the primary container may", kind: .user)
        }
        podSpec["containers"] = .array(containers)
        return podSpec
    }

    /// What the API server would refuse in the template's containers, named by field: a container without a name
    /// or image, a command or args that is not a list of strings (`command: [true]` is a YAML boolean).
    static func checkContainers(_ podSpec: JSONObject, task: String) throws(BackendError) {
        for key in ["initContainers", "containers"] {
            for (i, c) in (podSpec[key]?.arrayValue ?? []).enumerated() {
                let place = "pod.\(key)[\(i)]"
                guard c["name"]?.stringValue?.isEmpty == false else {
                    throw BackendError("task '\(task)': \(place) has no name", kind: .user)
                }
                guard c["image"]?.stringValue?.isEmpty == false else {
                    throw BackendError("task '\(task)': \(place) has no image", kind: .user)
                }
                for field in ["command", "args"] {
                    guard let value = c[field] else { continue }
                    guard let items = value.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
                        throw BackendError("task '\(task)': \(place).\(field) must be a list of strings (quote values such as \"true\" or \"1\")",
                                           kind: .user)
                    }
                }
            }
        }
    }
}
