import SluiceModel

/// What compiling a file produced: a graph when there were no errors, and every diagnostic found.
public struct CompileResult: Sendable {
    public var flow: CompiledFlow?
    public var diagnostics: [Diagnostic]

    public var isValid: Bool { flow != nil && diagnostics.isEmpty }
}
