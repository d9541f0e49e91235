import SluiceModel
import SluicePlugin

/// Checks plugin tasks against the registered plugins: the `type` must name one, and the plugin checks its
/// own `config`, its problems shown at their place in the file like every other error.
struct PluginCheck {
    let sink: DiagnosticSink
    let plugins: TaskPluginRegistry

    func check(_ tasks: [TaskTemplate]) {
        for task in tasks {
            guard case .plugin(let type, let config) = task.runtime else { continue }
            let base = "tasks.\(task.name)"
            if type == AppDeploy.taskType {
                // Deploy steps' tasks are the compiler's own (`AppUseCheck`), with no `tasks.NAME` in the file.
                if AppDeploy.app(ofTask: task.name) == nil {
                    sink.report(.invalidValue, path: base + ".type",
                                "type 'deploy' is not written on a task: a node 'deploy: APP' deploys an app of this file's apps:")
                }
                continue
            }
            guard let plugin = plugins[type: type] else {
                let known = plugins.types
                let hint = Suggest.closest(to: type, in: known, minimumLength: 2).map { "did you mean '\($0)'? " } ?? ""
                sink.report(.invalidValue, path: base + ".type",
                            "unknown task type '\(type)'; \(hint)known types are \(known.isEmpty ? "none" : known.joined(separator: ", "))")
                continue
            }
            for p in plugin.check(PluginTask(name: task.name, interface: task.interface, config: config)) {
                report(p, base: base)
            }
        }
    }

    /// What the target cannot give the plugin tasks the flow uses: a secret their config names that is not in the
    /// secret source (the controller's for in-controller tasks, the backend's for pods), or a pod where none runs.
    func check(_ flow: CompiledFlow, for target: FlowCompiler.Target) {
        let used = flow.usedTaskNames()
        for task in flow.tasks where used.contains(task.name) {
            guard case .plugin(let type, let config) = task.runtime, let plugin = plugins[type: type] else { continue }
            let base = "tasks.\(task.name).config"
            let pluginTask = PluginTask(name: task.name, interface: task.interface, config: config)
            let inPod = plugin.rendersPod(pluginTask)
            if inPod, !target.capabilities.runtimes.contains(.pod) {
                let setting = plugin.podSetting(pluginTask)
                let backend = target.capabilities.backend
                if setting.isEmpty {
                    sink.report(.unsupported, path: base, "this \(type) task runs as a pod, and the \(backend) backend runs no pods; use the kubernetes backend")
                } else {
                    sink.report(.unsupported, path: base + "." + setting,
                                "'\(setting)' makes this \(type) task run as a pod, and the \(backend) backend runs no pods; "
                                + "use the kubernetes backend, or remove '\(setting)' so the controller runs the task")
                }
            }
            for s in plugin.secrets(pluginTask) {
                let what = "secret '\(s.ref.name)'\(s.ref.key.map { " key '\($0)'" } ?? "")"
                if inPod {
                    if !target.secretExists(s.ref) {
                        sink.report(.unsupported, path: base + "." + s.path, "\(what) is not in the \(target.capabilities.backend) backend's secret source")
                    }
                } else if let expected = target.pluginSecretMissing(s.ref) {
                    sink.report(.unsupported, path: base + "." + s.path,
                                "\(what) is not in the controller's secret source: the \(type) task reads it from \(expected)")
                }
            }
        }
    }

    private func report(_ p: ConfigProblem, base: String) {
        let path = p.path.isEmpty ? base + ".config" : base + ".config." + p.path
        var message = p.message
        let isKey = p.word.map { p.path == $0 || p.path.hasSuffix("." + $0) } ?? false
        if let word = p.word, !p.known.isEmpty {
            // The list of keys is worth showing with no near miss; a value's message names its choices itself.
            message += Suggest.closest(to: word, in: p.known, minimumLength: 2).map { "; did you mean '\($0)'?" }
                ?? (isKey ? "; expected one of \(p.known.joined(separator: ", "))" : "")
        }
        // A misspelled key is shown at the key, as the rest of the file's unknown keys are.
        if isKey {
            sink.report(.unknownKey, atKeyOf: path, message)
        } else {
            sink.report(.invalidValue, path: path, message)
        }
    }
}
