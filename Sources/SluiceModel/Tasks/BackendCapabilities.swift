/// What a backend can honour, so a flow that asks for more is refused before it runs, with the field's place.
public struct BackendCapabilities: Sendable, Hashable {
    /// Kinds of task runtime.
    public enum Runtime: Sendable, Hashable {
        /// A command run directly on the host (`image:` is not used).
        case hostCommand
        /// A container from `image:` (command optional: the image's entrypoint).
        case containerImage
        /// A Kubernetes pod template (`pod:`).
        case pod
        /// A plugin task type (`type: sql`).
        case plugin(String)
    }

    /// The backend's name, for messages.
    public var backend: String
    public var runtimes: Set<Runtime>
    /// Whether `resources.gpu` and other extended resources can be granted.
    public var gpus: Bool
    /// Whether `secrets[].path` (a file mounted at a path) can be honoured; `env` secrets always can.
    public var secretPaths: Bool
    /// Whether a task's own user, read-only root file system and `/dev/shm` size (`user`, `read_only`,
    /// `resources.shm`) can be honoured: they need a container.
    public var isolation: Bool

    public init(backend: String, runtimes: Set<Runtime>, gpus: Bool, secretPaths: Bool, isolation: Bool = false) {
        self.isolation = isolation
        self.backend = backend
        self.runtimes = runtimes
        self.gpus = gpus
        self.secretPaths = secretPaths
    }
}

/// One thing a flow asks for that a backend cannot honour: the document path of the field, and why.
public struct CapabilityProblem: Sendable, Hashable {
    /// The field's path in the flow file, e.g. `tasks.train.pod`.
    public var path: String
    public var message: String

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }
}

extension BackendCapabilities {
    /// What `flow` asks for that this backend cannot give: every task a node of the flow (or of its
    /// subworkflows) uses, checked by its runtime, resources and secrets. `secretExists` answers whether a
    /// named secret (and key) can be read from the backend's secret source.
    public func problems(in flow: CompiledFlow, secretExists: (SecretRef) -> Bool) -> [CapabilityProblem] {
        var out: [CapabilityProblem] = []
        let used = flow.usedTaskNames()
        for task in flow.tasks where used.contains(task.name) {
            out += problems(task, secretExists: secretExists)
        }
        return out
    }

    private func problems(_ task: TaskTemplate, secretExists: (SecretRef) -> Bool) -> [CapabilityProblem] {
        let base = "tasks.\(task.name)"
        var out: [CapabilityProblem] = []
        switch task.runtime {
        case .container(let c):
            if c.image == nil, !runtimes.contains(.hostCommand) {
                out.append(CapabilityProblem(path: base + ".image",
                    "the \(backend) backend runs every task in its image and this task names none; add 'image'"))
            } else if c.command.isEmpty, !runtimes.contains(.containerImage) {
                out.append(CapabilityProblem(path: base + ".image",
                    "the \(backend) backend runs 'command' on this machine and cannot start an image by its entrypoint; add 'command'"))
            } else if !runtimes.contains(.hostCommand), !runtimes.contains(.containerImage) {
                out.append(CapabilityProblem(path: base, "the \(backend) backend cannot run container tasks"))
            }
        case .pod:
            if !runtimes.contains(.pod) {
                out.append(CapabilityProblem(path: base + ".pod", "pod tasks need the kubernetes backend; the \(backend) backend cannot run a pod template"))
            }
        case .plugin(let type, _):
            // A deploy step's task is made by the compiler, not written: its own check names the step (`AppDeploy`).
            if type != AppDeploy.taskType, !runtimes.contains(.plugin(type)) {
                out.append(CapabilityProblem(path: base + ".type", "no plugin for task type '\(type)' is available to the \(backend) backend"))
            }
        }
        if !isolation {
            for (key, asked) in [("user", containerSpec(task)?.user != nil), ("read_only", containerSpec(task)?.readOnlyRootFilesystem == true),
                                 ("security", containerSpec(task)?.security != nil)] where asked {
                out.append(CapabilityProblem(path: base + "." + key, "the \(backend) backend runs tasks as host processes and cannot honour '\(key)'; use the container backend"))
            }
            if task.resources.shm != nil {
                out.append(CapabilityProblem(path: base + ".resources.shm", "the \(backend) backend cannot size /dev/shm; use the container backend"))
            }
        }
        let gpu = task.resources.limits.gpu ?? task.resources.requests.gpu
        if !gpus, (gpu?.milliValue ?? 0) > 0 || task.resources.accelerator != nil {
            out.append(CapabilityProblem(path: base + ".resources.gpu", "the \(backend) backend cannot grant GPUs; remove 'gpu' to run here"))
        }
        out += problems(secrets: task.secrets, at: base + ".secrets", secretExists: secretExists)
        return out
    }

    /// What a task's or an app's `secrets` (at `path`, e.g. `tasks.NAME.secrets`) ask that this backend cannot
    /// give: a file at a path where it mounts none, a secret its secret source does not hold.
    public func problems(secrets: [SecretRef], at path: String, secretExists: (SecretRef) -> Bool) -> [CapabilityProblem] {
        var out: [CapabilityProblem] = []
        for (i, s) in secrets.enumerated() {
            let p = "\(path)[\(i)]"
            if s.path != nil, !secretPaths {
                out.append(CapabilityProblem(path: p + ".path",
                    "the \(backend) backend cannot mount secret '\(s.name)' at a path; give it as 'env' instead"))
            } else if !secretExists(s) {
                out.append(CapabilityProblem(path: p + ".name",
                    "secret '\(s.name)'\(s.key.map { " key '\($0)'" } ?? "") is not in the \(backend) backend's secret source"))
            }
        }
        return out
    }
}

private func containerSpec(_ task: TaskTemplate) -> ContainerSpec? {
    if case .container(let c) = task.runtime { return c }
    return nil
}

extension CompiledFlow {
    /// Names of the tasks some node uses: task nodes, map items, branch cases, failure nodes, in every workflow.
    public func usedTaskNames() -> Set<String> {
        var names = Set<String>()
        func visit(_ node: Node) {
            switch node.kind {
            case .task(let t): names.insert(t)
            case .map(let m): names.insert(m.task)
            case .branch(let b):
                for c in b.cases { visit(c.then) }
                if case .node(let e)? = b.otherwise { visit(e) }
            default: break
            }
        }
        for wf in [workflow] + subworkflows {
            for n in wf.nodes { visit(n.node) }
            if let f = wf.failureNode { visit(f.node) }
        }
        return names
    }
}
