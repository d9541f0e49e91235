import SluiceEngine
import SluiceKube
import SluiceModel
import SluicePlugin

/// The pods a flow would create, without a cluster (`sluice render`): one per task node with the flow's inputs
/// substituted; values that only exist at run time (upstream outputs) stand as placeholders such as
/// `{{nodes.fit.outputs.loss}}`; a map shows its first item; every case of a branch is shown; a task with a
/// `revert` command shows its revert pod too.
public struct PodPreview: Sendable {
    /// One node's would-be pod, with why it may not run as shown (`note`, also the `sluice.dev/render-note` annotation).
    public struct Entry: Sendable {
        public var node: String
        public var task: String
        public var note: String?
        public var plan: PodPlan
    }

    public static let noteAnnotation = "sluice.dev/render-note"

    public private(set) var entries: [Entry] = []
    /// Nodes that create no pod (gates) or could not be shown, one sentence each.
    public private(set) var notes: [String] = []

    /// Renders every task node of `flow` (subworkflows, branch cases, map items, the failure node) for run `runID`.
    /// `plugins` render the pods of plugin tasks that run as pods (`TaskPlugin.rendersPod`); other plugin tasks run
    /// in the controller and get a note.
    /// `callbackBaseURL`: the server's address as `sluice serve` gives it to attempts; each pod then gets
    /// `SLUICE_CALLBACK_URL` and `SLUICE_CALLBACK_TOKEN` (from its Secret, whose token is `tokenPlaceholder`),
    /// as the backend creates them. Nil renders pods as `sluice run` creates them: without a callback.
    public init(_ flow: CompiledFlow, inputs: [String: LiteralValue], settings: KubePodSettings, runID: String = "render",
                plugins: TaskPluginRegistry = TaskPluginRegistry(), callbackBaseURL: String? = nil) throws(BackendError) {
        var settings = settings
        if settings.flowName == nil { settings.flowName = flow.workflow.name }
        var walk = Walk(flow: flow, settings: settings, runID: runID, plugins: plugins, callbackBaseURL: callbackBaseURL)
        try walk.workflow(flow.workflow, prefix: "", scope: inputs, note: nil)
        if let failure = flow.workflow.failureNode {
            try walk.node(failure, prefix: "", scope: inputs, note: "runs only when the flow fails")
        }
        entries = walk.entries
        notes = walk.notes
    }

    /// A value for an input as the pod would see it: literals and flow inputs as they are, run-time values as placeholders.
    static func resolve(_ b: Binding, prefix: String, scope: [String: LiteralValue], item: (name: String, value: LiteralValue)?) -> LiteralValue {
        switch b {
        case .literal(let v): return v
        case .list(let items): return .list(items.map { resolve($0, prefix: prefix, scope: scope, item: item) })
        case .map(let entries): return .map(entries.mapValues { resolve($0, prefix: prefix, scope: scope, item: item) })
        case .reference(.input(let n)): return scope[n] ?? .string("{{inputs.\(n)}}")
        case .reference(.output(let node, let name)): return .string("{{nodes.\(prefix)\(node).outputs.\(name)}}")
        case .reference(.item(let n)): return item.flatMap { $0.name == n ? $0.value : nil } ?? .string("{{\(n)}}")
        case .reference(.failure(let f)): return .string("{{error.\(f)}}")
        }
    }

    /// The callback token in a rendered Secret: the real one is signed per attempt by the controller.
    public static let tokenPlaceholder = "{{per-attempt callback token}}"

    private struct Walk {
        let flow: CompiledFlow
        let settings: KubePodSettings
        let runID: String
        let plugins: TaskPluginRegistry
        let callbackBaseURL: String?
        var entries: [Entry] = []
        var notes: [String] = []

        mutating func workflow(_ w: CompiledWorkflow, prefix: String, scope: [String: LiteralValue], note: String?) throws(BackendError) {
            for n in w.nodes { try node(n, prefix: prefix, scope: scope, note: note) }
        }

        mutating func node(_ n: CompiledNode, prefix: String, scope: [String: LiteralValue], note: String?, id: String? = nil) throws(BackendError) {
            let id = prefix + (id ?? n.node.id)
            let inputs = { (item: (name: String, value: LiteralValue)?) in
                n.inputs.reduce(into: [String: LiteralValue]()) { $0[$1.name] = PodPreview.resolve($1.binding, prefix: prefix, scope: scope, item: item) }
            }
            switch n.node.kind {
            case .task(let name):
                try task(name, node: n.node, id: id, inputs: inputs(nil), extra: [:], note: note)
            case .dynamic(let name, _):
                try task(name, node: n.node, id: id, inputs: inputs(nil), extra: [:],
                         note: join(note, "dynamic node: the flow this task generates is known only at run time"))
            case .map(let m):
                let over = PodPreview.resolve(m.over, prefix: prefix, scope: scope, item: nil)
                let item: LiteralValue
                let what: String
                switch over {
                case .list(let items) where items.isEmpty:
                    notes.append("\(id): maps over an empty list; no pods")
                    return
                case .list(let items):
                    item = items[0]
                    what = "map item 0 of \(items.count) shown; the others differ only in \(m.itemName)"
                default:
                    var source = "\(m.over.references.first?.description ?? m.itemName)"
                    if case .reference(.output(let node, let name)) = m.over { source = "nodes.\(prefix)\(node).outputs.\(name)" }
                    item = .string("{{\(source)[0]}}")
                    what = "map item 0 shown; the list is known only at run time"
                }
                try task(m.task, node: n.node, id: id + "[0]", inputs: inputs((m.itemName, item)), extra: [m.itemName: item],
                         note: join(note, what))
            case .branch:
                for (i, child) in n.children.enumerated() {
                    try node(child, prefix: id + "/", scope: scope, note: join(note, "branch case \(i + 1) of \(n.children.count): runs only when chosen"))
                }
            case .workflow(let name):
                guard let sub = flow.subworkflow(name) else { return notes.append("\(id): no workflow '\(name)'") }
                try workflow(sub, prefix: id + "/", scope: inputs(nil), note: join(note, "in subworkflow \(name)"))
            case .gate:
                notes.append("\(id): a gate; runs no pod")
            }
        }

        mutating func task(_ name: String, node: Node, id: String, inputs: [String: LiteralValue], extra: [String: LiteralValue],
                           note: String?) throws(BackendError) {
            guard let task = flow.task(name) else { return notes.append("\(id): no task '\(name)'") }
            var spec = AttemptSpec.preview(runID: runID, ref: AttemptRef(node: id, attempt: 1), task: task, node: node,
                                           inputs: inputs, extra: extra)
            if case .plugin(let type, let config) = task.runtime {
                let pluginTask = PluginTask(name: name, interface: task.interface, config: config)
                guard let plugin = plugins[type: type], plugin.rendersPod(pluginTask) else {
                    return notes.append("\(id): task '\(name)' is a plugin task (type: \(type)) the controller runs; it runs no pod")
                }
                let attempt = PluginAttempt(task: pluginTask, inputs: spec.inputs, name: spec.name, runID: spec.runID, node: spec.ref.node) { name, _ throws(PluginFailure) in
                    throw .system("secret '\(name)' is not read when rendering")
                }
                spec = try PluginPod.spec(spec, plugin: plugin, attempt: attempt, backend: "kubernetes", runsPods: true)
            }
            entries.append(Entry(node: id, task: name, note: note, plan: try PodPlan(spec, environment: callback(spec.ref), settings: settings)))
            guard task.revert != nil else { return }
            let revert = AttemptSpec.preview(runID: runID, ref: AttemptRef(node: id, attempt: 1, purpose: .revert), task: task, node: node,
                                             inputs: inputs, extra: extra)
            entries.append(Entry(node: id, task: name, note: join(note, "revert: runs only when the flow fails with policy: revert"),
                                 plan: try PodPlan(revert, environment: callback(revert.ref), settings: settings)))
        }

        /// The callback variables the controller gives an attempt (`CallbackConfig.environment`), with a
        /// placeholder token.
        func callback(_ ref: AttemptRef) -> [String: String] {
            guard var base = callbackBaseURL else { return [:] }
            while base.hasSuffix("/") { base.removeLast() }
            var url = base + CallbackConfig.path(runID: runID, node: ref.node, attempt: ref.attempt)
            if ref.purpose == .revert { url += "?purpose=revert" }
            return ["SLUICE_CALLBACK_URL": url, "SLUICE_CALLBACK_TOKEN": PodPreview.tokenPlaceholder]
        }

        func join(_ a: String?, _ b: String) -> String { a.map { "\($0); \(b)" } ?? b }
    }
}
