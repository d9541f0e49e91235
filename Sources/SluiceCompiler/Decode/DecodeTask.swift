import SluiceModel
import SluicePlugin

extension FlowDecoder {
    static let taskKeys = [
        "description", "image", "command", "args", "env", "ports", "working_dir", "network", "user", "read_only", "security", "inputs", "outputs", "resources",
        "retries", "timeout", "cache", "interruptible", "heartbeat", "labels", "annotations", "tags", "secrets",
        "revert", "pod", "primary_container", "type", "config", "uses",
    ]

    /// One entry of `tasks:`.
    func task(_ name: String, _ node: SourceNode, _ path: String) -> TaskTemplate? {
        guard let f = fields(node, path, known: Self.taskKeys, what: "a task definition") else { return nil }
        var t = TaskTemplate(name: name)
        t.description = string(f, "description")
        t.interface = Interface(
            inputs: f["inputs"].map { parameters($0, f.path("inputs"), what: "task inputs (name: type)") } ?? [],
            outputs: f["outputs"].map { variables($0, f.path("outputs"), what: "task outputs (name: type)") } ?? [])
        t.runtime = runtime(f)
        t.resources = f["resources"].flatMap { resources($0, f.path("resources")) } ?? Resources()
        t.retries = f["retries"].flatMap { retries($0, f.path("retries")) }
        t.timeout = f["timeout"].flatMap { timeout($0, f.path("timeout")) }
        t.cache = f["cache"].flatMap { cache($0, f.path("cache")) }
        t.interruptible = bool(f, "interruptible")
        t.heartbeat = duration(f, "heartbeat")
        t.labels = labels(f, "labels")
        t.annotations = annotations(f, "annotations")
        t.tags = stringList(f, "tags") ?? []
        t.secrets = secrets(f)
        if case .plugin(let type, _) = t.runtime, f.has("uses") {
            // In-controller plugin tasks get no environment: the variable would never reach them.
            sink.report(.invalidValue, path: f.path("uses"),
                        "'uses' gives a task's process SLUICE_APP_<NAME>_URL; a \(type) task runs in the controller with no environment, so write the app's URL in its config")
        } else if let uses = stringList(f, "uses") {
            t.uses = uses
            for (i, app) in uses.enumerated() { appUses.append((app, Self.index(f.path("uses"), i))) }
        }
        if let r = f["revert"], let rf = fields(r, f.path("revert"), known: ["command", "args", "env"], what: "a revert command") {
            let (command, reported) = reporting { stringList(rf, "command") ?? [] }
            if !command.isEmpty {
                t.revert = RevertSpec(command: command, args: stringList(rf, "args") ?? [], env: env(rf, "env"))
            } else if !reported {
                missing(rf, "command", "the command that undoes the task")
            }
        }
        return t
    }

    /// Keys that describe the one container of a container task; pod and plugin tasks take none of them.
    static let containerKeys = ["image", "command", "args", "env", "ports", "working_dir", "network", "user", "read_only", "security"]

    private func runtime(_ f: Fields) -> TaskRuntime {
        // `type: container` names the default type (ContainerTaskType): the task is read as if it had no `type`.
        let type = string(f, "type")
        if let type, type != ContainerTaskType.name {
            for k in Self.containerKeys + ["pod", "primary_container"] where f.has(k) {
                sink.report(.invalidValue, path: f.path(k), "a plugin task (type: \(type)) cannot also set '\(k)'; its settings go under 'config'")
            }
            return .plugin(type: type, config: f["config"].map(Self.untyped) ?? .map([:]))
        }
        if let pod = f["pod"] {
            for k in Self.containerKeys where f.has(k) {
                sink.report(.invalidValue, path: f.path(k),
                            "a pod task takes its containers from 'pod'; remove '\(k)' and set it on a container in pod.containers")
            }
            guard case .mapping = pod else {
                wrongShape(pod, f.path("pod"), expected: "a mapping (a Kubernetes PodSpec)")
                return .container(ContainerSpec())
            }
            return .pod(spec: Self.untyped(pod), primaryContainer: string(f, "primary_container") ?? "main")
        }
        if f.has("config") {
            sink.report(.invalidValue, path: f.path("config"), type == nil ? "'config' belongs to plugin tasks; add 'type:' or remove it"
                        : "a container task (type: container) takes no 'config': its settings are the task's own keys (image, command, ...)")
        }
        if f.has("primary_container") {
            sink.report(.invalidValue, path: f.path("primary_container"), "'primary_container' belongs to pod tasks; add 'pod:' or remove it")
        }
        let ((image, command), reported) = reporting { (string(f, "image"), stringList(f, "command") ?? []) }
        var c = ContainerSpec(image: image, command: command,
                              args: stringList(f, "args") ?? [], env: env(f, "env"), workingDir: string(f, "working_dir"),
                              network: bool(f, "network"), user: string(f, "user"), readOnlyRootFilesystem: bool(f, "read_only"),
                              security: f["security"].flatMap { security($0, f.path("security")) })
        if let ports = f["ports"] {
            if case .sequence(let items, _) = ports {
                for (i, p) in items.enumerated() {
                    if case .int(let n) = p.scalar?.plainValue, (1...65535).contains(n) { c.ports.append(n) } else {
                        wrongShape(p, Self.index(f.path("ports"), i), expected: "a port number from 1 to 65535")
                    }
                }
            } else {
                wrongShape(ports, f.path("ports"), expected: "a list of port numbers")
            }
        }
        // A command or image that is there but malformed was reported as such; saying it is missing would repeat it.
        if c.image == nil && c.command.isEmpty && !reported {
            sink.report(.missingKey, at: f.location, path: f.path,
                        "a task needs 'command' (and 'image' for container backends), 'pod', or a plugin 'type'")
        }
        return .container(c)
    }

    /// `secrets:` of a task or an app: a list of names or `{name, key, env, path}`.
    func secrets(_ f: Fields) -> [SecretRef] {
        guard let node = f["secrets"] else { return [] }
        guard case .sequence(let items, _) = node else {
            wrongShape(node, f.path("secrets"), expected: "a list of secrets")
            return []
        }
        return items.enumerated().compactMap { i, item in
            let p = Self.index(f.path("secrets"), i)
            if item.scalar != nil { return text(item, p).map { SecretRef(name: $0) } }
            guard let s = fields(item, p, known: ["name", "key", "env", "path"], what: "a secret reference"),
                  let name = string(s, "name", required: "the secret's name") else { return nil }
            return SecretRef(name: name, key: string(s, "key"), env: string(s, "env"), path: string(s, "path"))
        }
    }

    /// `retries: 3` (three retries after the first try) or `{attempts, system_attempts, backoff}`.
    func retries(_ node: SourceNode, _ path: String) -> RetryPolicy? {
        if case .int(let n) = node.scalar?.plainValue {
            guard n >= 0 else {
                sink.report(.invalidValue, at: node.location, path: path, "retries must be 0 or more (found \(n))")
                return nil
            }
            return RetryPolicy(attempts: n + 1)
        }
        guard let f = fields(node, path, known: ["attempts", "system_attempts", "backoff"], what: "a retry policy") else { return nil }
        var r = RetryPolicy()
        r.attempts = int(f, "attempts", minimum: 1) ?? 1
        r.systemAttempts = int(f, "system_attempts", minimum: 0) ?? r.systemAttempts
        if let b = f["backoff"], let bf = fields(b, f.path("backoff"), known: ["base", "factor", "max"], what: "a backoff") {
            r.backoff.base = duration(bf, "base") ?? r.backoff.base
            r.backoff.max = duration(bf, "max") ?? r.backoff.max
            if let factor = double(bf, "factor") {
                if factor < 1 {
                    sink.report(.invalidValue, path: bf.path("factor"), "backoff factor must be at least 1 (found \(bf.numberText("factor")))")
                } else {
                    r.backoff.factor = factor
                }
            }
            if r.backoff.max < r.backoff.base {
                sink.report(.invalidValue, path: bf.path("max"), "backoff max (\(r.backoff.max)) is shorter than base (\(r.backoff.base))")
            }
        }
        return r
    }

    /// `timeout: 10m` (the run time of one attempt) or `{runtime, queued, deadline}`.
    func timeout(_ node: SourceNode, _ path: String) -> TimeoutPolicy? {
        if node.scalar != nil { return duration(node, path).map { TimeoutPolicy(runtime: $0) } }
        guard let f = fields(node, path, known: ["runtime", "queued", "deadline"], what: "timeouts") else { return nil }
        let t = TimeoutPolicy(runtime: duration(f, "runtime"), queued: duration(f, "queued"), deadline: duration(f, "deadline"))
        if let r = t.runtime, let d = t.deadline, d < r {
            sink.report(.invalidValue, path: f.path("deadline"), "deadline (\(d)) is shorter than one attempt's runtime (\(r))")
        }
        return t
    }

    func cache(_ node: SourceNode, _ path: String) -> CachePolicy? {
        guard let f = fields(node, path, known: ["version", "ignore", "serialize"], what: "cache settings"),
              let version = string(f, "version", required: "the cache version; change it to drop old results") else { return nil }
        return CachePolicy(version: version, ignore: stringList(f, "ignore") ?? [], serialize: bool(f, "serialize") ?? false)
    }
}
