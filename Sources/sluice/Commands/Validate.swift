import ArgumentParser
import SluiceCompiler


/// `sluice validate FILE...`: reports every mistake in one or more flow files.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check flow files and report every mistake with its place.",
        discussion: """
            Each error is printed on one line as FILE:LINE:COL: PATH: message, where PATH is the \
            field inside the file (for example nodes[3].inputs.epochs). All errors of all files are \
            reported in one pass. Exit status: 0 when every file is valid, 1 when any is not, \
            2 for usage errors.

            Examples:
              sluice validate examples/hello.yaml
              sluice validate flows/*.yaml
              sluice validate --output json broken.yaml | jq '.files[0].diagnostics'
            """
    )

    @Argument(help: "Flow files to check (YAML or JSON).")
    var files: [String]

    @Option(name: [.short, .long], help: OutputFormat.help)
    var output: OutputFormat = .text

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one flow file, e.g. sluice validate flow.yaml") }
    }

    func run() throws {
        let results = files.map { ($0, FlowCompiler.compile(contentsOf: $0, plugins: TaskPlugins.all)) }
        let valid = results.allSatisfy { $0.1.isValid }
        switch output {
        case .json, .yaml:
            let report = ValidationReport(valid: valid, files: results.map {
                ValidationReport.File(file: $0.0, valid: $0.1.isValid, diagnostics: $0.1.diagnostics, warnings: $0.1.warnings)
            })
            let json = try Rendering.json(report)
            FileHandleOutput.standardOutput(output == .json ? json : try YAMLText.from(json: json))
        case .text:
            for (file, result) in results {
                for w in result.warnings { FileHandleOutput.standardOutput(FlowFile.warning(w)) }
                if result.isValid {
                    let w = result.flow!.workflow
                    FileHandleOutput.standardOutput("\(file): ok (flow \(w.name), \(w.nodes.count) nodes)")
                } else {
                    for d in result.diagnostics { FileHandleOutput.standardOutput(d.description) }
                }
            }
            if !valid {
                let count = results.reduce(0) { $0 + $1.1.diagnostics.count }
                FileHandleOutput.standardError("\(count) error\(count == 1 ? "" : "s") found")
            }
        }
        if !valid { throw ExitCode(1) }
    }
}

/// The JSON shape of `validate --output json`.
struct ValidationReport: Encodable {
    struct File: Encodable {
        var file: String
        var valid: Bool
        var diagnostics: [Diagnostic]
        var warnings: [Diagnostic]
    }
    var valid: Bool
    var files: [File]
}
