import Foundation
import SluiceModel
import SluicePlugin

/// Ties a flow's `deploy: NAME` steps and tasks' `uses: [NAME]` to the apps of the same file: each name must be one
/// of them; a deploy step becomes a task the controller runs (type `deploy`); only `sluice serve`, which runs apps
/// and their gateway, can run either.
struct AppUseCheck {
    let sink: DiagnosticSink
    let apps: [AppSpec]

    private var names: [String] { apps.map(\.name) }

    /// The task each deployed app's steps run, by task name; an unknown app is reported at its step.
    func deployTasks(_ steps: [(app: String, path: String)]) -> [String: TaskTemplate] {
        var tasks: [String: TaskTemplate] = [:]
        for (app, path) in steps {
            guard let spec = apps.first(where: { $0.name == app }) else {
                sink.report(.unknownReference, path: path, "unknown app '\(app)'\(Suggest.hint(app, names)); \(known)")
                continue
            }
            let name = AppDeploy.taskName(app)
            guard tasks[name] == nil else { continue }
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys  // the same file gives the same compiled flow
            guard let data = try? encoder.encode(spec), let json = String(data: data, encoding: .utf8) else {
                sink.report(.invalidValue, path: path, "app '\(app)' cannot be encoded for its deploy step")
                continue
            }
            // The spec travels in the compiled flow: what is deployed is what the file said when the run was submitted.
            // `at` is where the (first) step stands, for the submit-time refusal of backends that run no apps.
            let config = LiteralValue.map(["app": .string(app), "spec": .string(json), "at": .string(path)])
            tasks[name] = TaskTemplate(name: name, description: "deploys app '\(app)' and waits until it is healthy",
                                       interface: Interface(outputs: [Variable(name: "url", type: .string)]),
                                       runtime: .plugin(type: AppDeploy.taskType, config: config))
        }
        return tasks
    }

    /// Reports a `uses:` name that is not an app of the file, or one that is not public: tasks get no token, and a
    /// private app needs one at the gateway.
    func checkUses(_ uses: [(app: String, path: String)]) {
        for (app, path) in uses {
            guard let spec = apps.first(where: { $0.name == app }) else {
                sink.report(.unknownReference, path: path, "unknown app '\(app)'\(Suggest.hint(app, names)); \(known)")
                continue
            }
            if !spec.isPublic {
                sink.report(.unsupported, path: path,
                            "app '\(app)' is not public: tasks get no token for the gateway, so a task can only use a public app; set public: true on it (apps[\(apps.firstIndex { $0.name == app }!)])")
            }
        }
    }

    private var known: String {
        names.isEmpty ? "the file defines no apps: add them under a top-level apps: list"
            : "apps defined in this file: \(names.joined(separator: ", "))"
    }

    /// What a target that runs no apps refuses: every deploy step and every `uses:` of the tasks the flow runs. Apps
    /// run under `sluice serve` (every backend), whose plugin registries have the `deploy` type.
    static func check(_ flow: CompiledFlow, for target: FlowCompiler.Target, plugins: TaskPluginRegistry?, sink: DiagnosticSink) {
        guard plugins?[type: AppDeploy.taskType] == nil else { return }
        let why = "only it runs apps and routes /apps/NAME/ to them (`sluice run` has no app gateway)"
        let used = flow.usedTaskNames()
        for task in flow.tasks where used.contains(task.name) {
            if case .plugin(AppDeploy.taskType, let config) = task.runtime, case .map(let c) = config, case .string(let at)? = c["at"] {
                sink.report(.unsupported, path: at, "deploy steps need `sluice serve`: \(why)")
            }
            if let uses = task.uses, !uses.isEmpty {
                sink.report(.unsupported, path: "tasks.\(task.name).uses", "'uses' needs `sluice serve`: \(why)")
            }
        }
    }
}
