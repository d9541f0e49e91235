import ArgumentParser
import SluiceCompiler
import SluiceModel

/// A flow file and its inputs as `run` and `submit` take them: compiled here, so problems are shown before
/// anything is recorded or sent.
enum FlowFile {
    /// The compiled flow and its typed inputs; prints the compiler's diagnostics and exits 2 on a broken file.
    /// Compiles the file (for `target`'s backend when given) and types the inputs; diagnostics go to stderr.
    static func load(_ file: String, inputs: [String], inputsFile: String?, for target: FlowCompiler.Target? = nil) throws -> (CompiledFlow, [String: LiteralValue]) {
        let result = FlowCompiler.compile(contentsOf: file, for: target, plugins: TaskPlugins.all)
        for w in result.warnings { FileHandleOutput.standardError(FlowFile.warning(w)) }
        guard let flow = result.flow else {
            for d in result.diagnostics { FileHandleOutput.standardError(d.description) }
            throw ExitCode(2)
        }
        return (flow, try InputParsing.values(pairs: inputs, file: inputsFile, interface: flow.workflow.interface))
    }

    /// `FILE:LINE:COL: warning: PATH: message`.
    static func warning(_ d: Diagnostic) -> String {
        let place = "\(d.file.isEmpty ? "<input>" : d.file):\(d.line):\(d.column)"
        return d.path.isEmpty ? "\(place): warning: \(d.message)" : "\(place): warning: \(d.path): \(d.message)"
    }
}
