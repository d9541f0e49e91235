import ArgumentParser
import SluiceCompiler

/// `sluice compile FILE`: prints the checked graph.
struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compile a flow file and print the checked graph.",
        discussion: """
            Prints the compiled flow: every node with its typed inputs and outputs, upstream and \
            downstream nodes, depth and step, in topological order, with keys sorted so the output \
            is stable. Errors are printed as by 'sluice validate' and the exit status is 1.

            Examples:
              sluice compile examples/hello.yaml
              sluice compile examples/etl.yaml -o yaml
            """
    )

    @Argument(help: "The flow file (YAML or JSON).")
    var file: String

    @Option(name: [.short, .long], help: "Output format: json or yaml.")
    var output: DocumentFormat = .json

    func run() throws {
        let result = FlowCompiler.compile(contentsOf: file, plugins: TaskPlugins.all)
        for w in result.warnings { FileHandleOutput.standardError(FlowFile.warning(w)) }
        guard let flow = result.flow, result.isValid else {
            for d in result.diagnostics { FileHandleOutput.standardError(d.description) }
            throw ExitCode(1)
        }
        let json = try Rendering.json(flow)
        FileHandleOutput.standardOutput(output == .yaml ? try YAMLText.from(json: json) : json)
    }
}
