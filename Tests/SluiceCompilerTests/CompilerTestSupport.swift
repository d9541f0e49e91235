import Foundation
import Testing

@testable import SluiceCompiler
import SluiceModel

/// Shared helpers for the compiler tests: compile a flow text and check the one diagnostic it should produce.
enum Flow {
    static let file = "test.yaml"

    static func compile(_ text: String) -> CompileResult {
        FlowCompiler.compile(text, file: file)
    }

    /// The repository's `examples/` folder, found from this file's path (Tests/SluiceCompilerTests/ -> repo root).
    static var examplesDirectory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("examples")
    }

    /// Every flow file under `examples/` (YAML or JSON), sorted by name.
    static var exampleFiles: [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: examplesDirectory.path)) ?? []
        return names.filter { ["yaml", "yml", "json"].contains(($0 as NSString).pathExtension) }
            .sorted()
            .map { examplesDirectory.appendingPathComponent($0) }
    }

    static func exampleText(_ name: String) throws -> String {
        try String(contentsOf: examplesDirectory.appendingPathComponent(name), encoding: .utf8)
    }
}

/// Expects `result` to hold exactly one diagnostic (unless `only` is false, when it looks for a match among several)
/// with this code, place, path and message fragment; returns it.
@discardableResult
func expectDiagnostic(
    _ result: CompileResult, _ code: DiagnosticCode, line: Int, column: Int, path: String, message: String...,
    only: Bool = true, file: String = Flow.file, sourceLocation: SourceLocation = #_sourceLocation
) -> Diagnostic? {
    let all = result.diagnostics.map(\.description).joined(separator: "\n")
    let compiled = result.flow != nil
    #expect(!compiled, "a flow with errors must not compile", sourceLocation: sourceLocation)
    if only {
        #expect(result.diagnostics.count == 1, "expected one diagnostic, got:\n\(all)", sourceLocation: sourceLocation)
    }
    let candidates = result.diagnostics.filter { $0.code == code && $0.path == path }
    guard let d = candidates.first(where: { d in message.allSatisfy { d.message.contains($0) } })
        ?? candidates.first ?? (only ? result.diagnostics.first : nil)
    else {
        Issue.record("no \(code.rawValue) diagnostic at \(path); got:\n\(all)", sourceLocation: sourceLocation)
        return nil
    }
    #expect(d.code == code, "\(d)", sourceLocation: sourceLocation)
    #expect(d.file == file, sourceLocation: sourceLocation)
    #expect(d.path == path, "\(d)", sourceLocation: sourceLocation)
    #expect(d.line == line, "\(d)", sourceLocation: sourceLocation)
    #expect(d.column == column, "\(d)", sourceLocation: sourceLocation)
    for fragment in message {
        #expect(d.message.contains(fragment), "message \"\(d.message)\" lacks \"\(fragment)\"", sourceLocation: sourceLocation)
    }
    return d
}
