import SluiceModel

/// What compiling a file produced: a graph when there were no errors, and every diagnostic found.
public struct CompileResult: Sendable {
    public var flow: CompiledFlow?
    public var diagnostics: [Diagnostic]
    /// What compiles but is probably a mistake (an input spliced unquoted into `sh -c` text); never blocks.
    public var warnings: [Diagnostic] = []

    public init(flow: CompiledFlow?, diagnostics: [Diagnostic], warnings: [Diagnostic] = []) {
        self.flow = flow
        self.diagnostics = diagnostics
        self.warnings = warnings
    }

    public var isValid: Bool { flow != nil && diagnostics.isEmpty }
}
