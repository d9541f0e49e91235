import SluiceCompiler
import SluiceModel
import Testing
@testable import SluiceEngine

/// `{{ '{{' }}` writes a literal `{{` in a command: a Go or Jinja template passes through untouched.
@Suite struct LiteralBracesTests {
    @Test func aQuotedLiteralIsNotAPlaceholder() throws {
        let r = FlowCompiler.compile("""
            name: braces
            inputs:
              who: {type: string}
            tasks:
              t:
                command: [sh, -c, "echo {{ '{{' }}.Name}} {{inputs.who | shell}}"]
                inputs: {who: string}
            nodes:
              - {id: a, task: t, inputs: {who: inputs.who}}
            """, file: "braces.yaml")
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics.map(\.description))")
        let task = try #require(r.flow?.tasks.first { $0.name == "t" })
        guard case .container(let spec) = task.runtime else { Issue.record("not a container task"); return }
        let command = spec.command
        #expect(command.map { ValueCoding.substitute($0, inputs: ["who": .string("O'Brien")]) }
                == ["sh", "-c", "echo {{.Name}} 'O'\\''Brien'"])
    }

    @Test func literalsInBothQuotesAndOtherTextStayAsWritten() {
        #expect(ValueCoding.substitute(#"{{"{{"}}x}} and }}"#, inputs: [:]) == "{{x}} and }}")
        // Not a quoted literal: an unknown placeholder is left alone (the compiler refuses it before this).
        #expect(ValueCoding.substitute("{{ 'a' 'b' }}", inputs: [:]) == "{{ 'a' 'b' }}")
        #expect(CommandTemplate.literal(" '{{' ") == "{{")
        #expect(CommandTemplate.literal("inputs.x") == nil)
    }

    @Test func anUnknownPlaceholderIsStillAnError() {
        let r = FlowCompiler.compile("""
            name: braces
            tasks:
              t: {command: [sh, -c, "echo {{.Name}}"]}
            nodes:
              - {id: a, task: t}
            """, file: "braces.yaml")
        #expect(!r.diagnostics.isEmpty)
        #expect(r.diagnostics.contains { $0.message.contains("{{ '{{' }}") }, "\(r.diagnostics.map(\.description))")
    }
}
