import SluiceModel

/// What compiling an apps file gives: its apps, or the diagnostics that stop it.
public struct AppCompileResult: Sendable {
    public var apps: [AppSpec]
    public var diagnostics: [Diagnostic]

    public var isValid: Bool { diagnostics.isEmpty && !apps.isEmpty }
}

extension FlowCompiler {
    /// Compiles a file for `sluice apps deploy`: either only a top-level `apps:` list, or a whole flow file whose
    /// `apps:` are taken (the flow is checked too, with the same errors as `sluice validate`).
    public static func compileApps(_ text: String, file: String = "") -> AppCompileResult {
        let root: SourceNode
        switch SourceReader.read(text) {
        case .failure(let e):
            var d = e.diagnostic
            d.file = file
            return AppCompileResult(apps: [], diagnostics: [d])
        case .success(nil):
            return AppCompileResult(apps: [], diagnostics: [Diagnostic(.syntax, at: Location(line: 1, column: 1), path: "",
                                                                       "the file is empty; an apps file needs a top-level 'apps:' list", file: file)])
        case .success(let node?):
            root = node
        }
        let sink = DiagnosticSink(root: root, file: file)
        let decoder = FlowDecoder(sink: sink, isJSON: isJSON(text, file: file))
        var apps: [AppSpec] = []
        if case .mapping(let entries, _) = root, entries.count == 1, entries.first?.key.text == "apps" {
            if let f = decoder.fields(root, "", known: ["apps"], what: "an apps file") {
                apps = f["apps"].map { decoder.apps($0, "apps") } ?? []
            }
        } else {
            let flow = compile(text, file: file)
            guard let compiled = flow.flow else { return AppCompileResult(apps: [], diagnostics: flow.diagnostics) }
            apps = compiled.apps
        }
        if sink.diagnostics.isEmpty && apps.isEmpty {
            sink.report(.missingKey, path: "apps", "the file declares no apps: add a top-level 'apps:' list")
        }
        let diagnostics = sink.sorted()
        return AppCompileResult(apps: diagnostics.isEmpty ? apps : [], diagnostics: diagnostics)
    }
}
