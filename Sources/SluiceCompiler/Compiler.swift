import SluiceModel
import SluicePlugin

/// Compiles flow files (YAML or JSON) into checked graphs, collecting every error in one pass.
public enum FlowCompiler {
    /// What a flow is compiled for: a backend's capabilities and its secret source. Without one, a flow is
    /// checked for the language only.
    public struct Target: Sendable {
        public var capabilities: BackendCapabilities
        public var secretExists: @Sendable (SecretRef) -> Bool
        /// The task plugins the backend runs: a plugin task's `type` must name one, and its `config` is checked by it.
        public var plugins: TaskPluginRegistry?
        /// Where a secret an in-controller plugin task's config names was expected, when it is not there (nil: it is).
        public var pluginSecretMissing: @Sendable (SecretRef) -> String?
        public init(capabilities: BackendCapabilities, plugins: TaskPluginRegistry? = nil,
                    pluginSecretMissing: @escaping @Sendable (SecretRef) -> String? = { _ in nil },
                    secretExists: @escaping @Sendable (SecretRef) -> Bool) {
            self.capabilities = capabilities
            self.plugins = plugins
            self.pluginSecretMissing = pluginSecretMissing
            self.secretExists = secretExists
        }
    }

    /// Compiles `text`; `file` names the source in diagnostics. With a `target`, what the backend cannot honour
    /// is reported too, at the field that asks for it. With `plugins` (or the target's), plugin tasks are checked
    /// by their plugin; without either, a plugin task's type and config are left unchecked.
    public static func compile(_ text: String, file: String = "", for target: Target? = nil,
                               plugins: TaskPluginRegistry? = nil) -> CompileResult {
        let root: SourceNode
        switch SourceReader.read(text) {
        case .failure(let e):
            var d = e.diagnostic
            d.file = file
            return CompileResult(flow: nil, diagnostics: [d])
        case .success(nil):
            return CompileResult(flow: nil, diagnostics: [Diagnostic(.syntax, at: Location(line: 1, column: 1), path: "",
                                                                      "the file is empty; a flow needs at least name and nodes", file: file)])
        case .success(let node?):
            root = node
        }
        let sink = DiagnosticSink(root: root, file: file)
        let flow = compile(root, sink: sink, isJSON: isJSON(text, file: file))
        if let flow, let registry = plugins ?? target?.plugins {
            PluginCheck(sink: sink, plugins: registry).check(flow.tasks)
        }
        if let flow, let target, sink.diagnostics.isEmpty {
            for p in target.capabilities.problems(in: flow, secretExists: target.secretExists) {
                sink.report(.unsupported, path: p.path, p.message)
            }
            if let registry = plugins ?? target.plugins {
                PluginCheck(sink: sink, plugins: registry).check(flow, for: target)
            }
            AppUseCheck.check(flow, for: target, plugins: plugins ?? target.plugins, sink: sink)
        }
        let diagnostics = sink.sorted()
        return CompileResult(flow: diagnostics.isEmpty ? flow : nil, diagnostics: diagnostics, warnings: sink.warnings)
    }

    /// Reads and compiles a file from disk.
    public static func compile(contentsOf path: String, for target: Target? = nil, plugins: TaskPluginRegistry? = nil) -> CompileResult {
        switch FileText.read(path) {
        case .success(let text):
            return compile(text, file: path, for: target, plugins: plugins)
        case .failure(let failure):
            return CompileResult(flow: nil, diagnostics: [Diagnostic(.syntax, at: Location(line: 1, column: 1), path: "",
                                                                      failure.message, file: path)])
        }
    }

    /// Whether to read bindings as JSON: by the file's extension when it has a known one, else by whether the
    /// text is one strict JSON object (a YAML file in flow style, `{name: demo, ...}`, is not).
    static func isJSON(_ text: String, file: String) -> Bool {
        let name = file.split(separator: "/").last.map(String.init) ?? ""
        let ext = name.split(separator: ".").count > 1 ? name.split(separator: ".").last.map { $0.lowercased() } : nil
        switch ext {
        case "json": return true
        case "yaml", "yml": return false
        default: return text.first(where: { !$0.isWhitespace }) == "{" && LiteralValue.parseJSON(text) != nil
        }
    }

    private static func compile(_ root: SourceNode, sink: DiagnosticSink, isJSON: Bool) -> CompiledFlow? {
        let decoder = FlowDecoder(sink: sink, isJSON: isJSON)
        guard let (doc, main, subs) = decoder.document(root) else { return nil }
        let appUse = AppUseCheck(sink: sink, apps: doc.apps)
        appUse.checkUses(decoder.appUses)
        // Deploy steps run tasks the compiler makes; they join the file's tasks after the file's own were checked.
        let tasks = doc.tasks.merging(appUse.deployTasks(decoder.deploySteps)) { own, _ in own }
        let context = CheckContext(tasks: tasks, declaredWorkflows: Set(subs.keys), mainName: main.template.id.name,
                                   dropped: decoder.dropped)
        let taskChecker = TaskChecker(sink: sink, dropped: decoder.dropped)
        for name in doc.tasks.keys.sorted() { taskChecker.check(doc.tasks[name]!) }
        let compiledSubs = compileSubworkflows(subs, context: context, sink: sink)
        let checker = WorkflowChecker(main, context: context, subworkflows: compiledSubs, sink: sink)
        guard let workflow = checker.compile() else { return nil }
        return CompiledFlow(workflow: workflow, subworkflows: compiledSubs.keys.sorted().map { compiledSubs[$0]! },
                            tasks: tasks.keys.sorted().map { tasks[$0]! }, apps: doc.apps)
    }

    /// Compiles subworkflows callees first; a workflow that calls itself, directly or not, is a cycle.
    private static func compileSubworkflows(_ subs: [String: WorkflowSource], context: CheckContext,
                                            sink: DiagnosticSink) -> [String: CompiledWorkflow] {
        let names = subs.keys.sorted()
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        let upstream = names.map { name in
            Array(Set(calledWorkflows(subs[name]!.template.nodes).compactMap { index[$0] })).sorted()
        }
        let graph = Graph(upstream: upstream)
        guard let order = graph.topologicalOrder() else {
            for cycle in graph.cycles() {
                let text = (cycle + [cycle[0]]).map { names[$0] }.joined(separator: " -> ")
                sink.report(.cycle, path: "workflows.\(names[cycle[0]])", "workflow cycle: \(text); a workflow cannot call itself")
            }
            return [:]
        }
        var compiled: [String: CompiledWorkflow] = [:]
        for i in order {
            let checker = WorkflowChecker(subs[names[i]]!, context: context, subworkflows: compiled, sink: sink)
            if let w = checker.compile() { compiled[names[i]] = w }
        }
        return compiled
    }

    private static func calledWorkflows(_ nodes: [Node]) -> [String] {
        nodes.flatMap { n -> [String] in
            switch n.kind {
            case .workflow(let w): return [w]
            case .branch(let b):
                var inner = b.cases.map(\.then)
                if case .node(let e)? = b.otherwise { inner.append(e) }
                return calledWorkflows(inner)
            default: return []
            }
        }
    }
}
