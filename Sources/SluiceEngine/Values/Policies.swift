import SluiceModel

/// Effective retry and timeout settings: node values override the task's, field by field.
enum Policies {
    static func retries(_ call: TaskHandler.Call) -> RetryPolicy {
        call.node.retries ?? call.task.retries ?? RetryPolicy(attempts: 1, systemAttempts: 5, backoff: Backoff(base: .seconds(1), factor: 2, max: .seconds(60)))
    }

    static func timeouts(_ call: TaskHandler.Call) -> TimeoutPolicy {
        let task = call.task.timeout ?? TimeoutPolicy()
        guard let node = call.node.timeout else { return task }
        return TimeoutPolicy(runtime: node.runtime ?? task.runtime, queued: node.queued ?? task.queued,
                             deadline: node.deadline ?? task.deadline)
    }

    /// When all attempts together must be done, counted from the node's start.
    static func deadline(_ n: NodeState, _ t: TimeoutPolicy) -> Timestamp? {
        guard let d = t.deadline, let s = n.startedAt else { return nil }
        return s + d.milliseconds
    }

    /// Wait before the next attempt: base × factor^(failures-1), at most max.
    static func backoff(_ b: Backoff, failures: Int) -> Int64 {
        var delay = Double(b.base.milliseconds)
        for _ in 1..<max(failures, 1) { delay *= b.factor }
        return Int64(min(delay, Double(b.max.milliseconds)))
    }

    /// Whether the next attempt is the last one a retry budget allows: the last of `retries.attempts` when the
    /// node has retries, or the last system retry. It runs without the interruptible (spot) tolerations, as in
    /// Flyte, so a node is never lost to preemption. A node without retries keeps its single attempt interruptible:
    /// a preemption is a system failure and is retried from the system budget.
    static func isLastAttempt(_ policy: RetryPolicy, _ n: NodeState) -> Bool {
        (policy.attempts > 1 && n.userFailures + 1 >= policy.attempts) || n.systemFailures + 1 >= policy.systemAttempts
    }

    static func earliest(_ times: [Timestamp?]) -> Timestamp? {
        times.compactMap { $0 }.min()
    }
}

/// Builds what a backend needs for one attempt.
enum AttemptSpecs {
    static func make(runID: String, ref: AttemptRef, task: TaskTemplate, node: Node, inputs: [String: LiteralValue],
                     extra: [String: LiteralValue], purpose: AttemptPurpose, lastAttempt: Bool = false) -> AttemptSpec {
        var task = task
        var command: [String] = []
        var env: [EnvVar] = []
        var image: String?
        if purpose == .revert, let revert = task.revert {
            command = revert.command + revert.args
            env = revert.env
        } else if case .container(let c) = task.runtime {
            command = c.command + c.args
            env = c.env
            image = c.image
        } else if case .pod(let template, let primary) = task.runtime {
            task.runtime = .pod(spec: podTemplate(template, inputs: inputs, extra: extra), primaryContainer: primary)
        }
        command = command.map { ValueCoding.substitute($0, inputs: inputs, extra: extra) }
        env = env.map { EnvVar(name: $0.name, value: ValueCoding.substitute($0.value, inputs: inputs, extra: extra)) }
        var placement = node.placement
        if let p = placement?.node { placement?.node = ValueCoding.substitute(p, inputs: inputs, extra: extra) }
        return AttemptSpec(runID: runID, ref: ref, name: KubeName.attempt(runID: runID, ref), task: task,
                           image: image, command: command, env: env, inputs: inputs, inputsJSON: ValueCoding.json(inputs),
                           resources: task.resources, placement: placement, labels: task.labels.merging(node.labels) { $1 },
                           interruptible: purpose == .run && !lastAttempt && (node.interruptible ?? task.interruptible ?? false),
                           step: node.step)
    }
}

extension AttemptSpecs {
    /// A pod task's template with `{{inputs.NAME}}` substituted in the `command` and `args` of every container and
    /// init container, as in a container task's command line.
    static func podTemplate(_ template: LiteralValue, inputs: [String: LiteralValue], extra: [String: LiteralValue]) -> LiteralValue {
        guard case .map(var spec) = template else { return template }
        for key in ["containers", "initContainers"] {
            guard case .list(var containers)? = spec[key] else { continue }
            for i in containers.indices {
                guard case .map(var c) = containers[i] else { continue }
                for field in ["command", "args"] {
                    guard case .list(let argv)? = c[field] else { continue }
                    c[field] = .list(argv.map { arg in
                        if case .string(let text) = arg { return .string(ValueCoding.substitute(text, inputs: inputs, extra: extra)) }
                        return arg
                    })
                }
                containers[i] = .map(c)
            }
            spec[key] = .list(containers)
        }
        return .map(spec)
    }
}

extension AttemptSpec {
    /// The spec the engine would give a backend for attempt `ref` of `node` running `task` with these inputs
    /// (`extra` holds a map item by its `as` name): for previews such as `sluice render`, without a run.
    public static func preview(runID: String, ref: AttemptRef, task: TaskTemplate, node: Node, inputs: [String: LiteralValue],
                               extra: [String: LiteralValue] = [:]) -> AttemptSpec {
        AttemptSpecs.make(runID: runID, ref: ref, task: task, node: node, inputs: inputs, extra: extra, purpose: ref.purpose)
    }
}
