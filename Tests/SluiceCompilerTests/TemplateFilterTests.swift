import Foundation
import Testing

@testable import SluiceCompiler
import SluiceModel

/// Issue 13: `{{inputs.x}}` spliced into `sh -c` or `python -c` text is code. Filters quote it; the compiler
/// warns when a text input lands there unquoted.
@Suite struct TemplateFilterTests {
    static func flow(_ command: String, inputs: String = "{who: string, n: int}") -> String {
        """
        name: t
        tasks:
          greet:
            command: \(command)
            inputs: \(inputs)
        nodes:
          - {id: g, task: greet, inputs: {who: "a", n: 1}}
        """
    }

    @Test func aTextInputUnquotedInShellOrPythonSourceIsWarnedAboutWithItsPlace() {
        let sh = Flow.compile(Self.flow(#"[sh, -c, "echo {{inputs.who}}"]"#))
        #expect(sh.isValid)
        #expect(sh.warnings.count == 1)
        let w = sh.warnings.first
        #expect(w?.code == .unquotedInput)
        #expect(w?.path == "tasks.greet.command[2]")
        #expect(w?.line == 4)
        #expect(w?.message.contains("{{inputs.who | shell}}") == true, "\(String(describing: w))")

        let py = Flow.compile(Self.flow(#"[/usr/bin/python3, -c, "print('hi {{inputs.who}}')"]"#))
        #expect(py.warnings.first?.message.contains("{{inputs.who | json}}") == true, "\(py.warnings)")
    }

    @Test func quotedNumericAndWholeArgumentPlaceholdersAreNotWarnedAbout() {
        for command in [#"[sh, -c, "echo {{inputs.who | shell}} {{inputs.n}}"]"#,
                        #"[python3, -c, "print({{inputs.who | json}})"]"#,
                        #"[echo, "{{inputs.who}}"]"#,
                        #"[sh, -c, "echo \"$1\"", sh, "{{inputs.who}}"]"#] {
            let r = Flow.compile(Self.flow(command))
            #expect(r.isValid, "\(command): \(r.diagnostics)")
            #expect(r.warnings.isEmpty, "\(command): \(r.warnings)")
        }
    }

    @Test func anUnknownFilterIsAnErrorThatSuggestsTheNearestOne() {
        let r = Flow.compile(Self.flow(#"[sh, -c, "echo {{inputs.who | shel}}"]"#))
        #expect(!r.isValid)
        let d = r.diagnostics.first
        #expect(d?.path == "tasks.greet.command[2]")
        #expect(d?.message.contains("unknown filter 'shel'") == true, "\(String(describing: d))")
        #expect(d?.message.contains("shell") == true)
    }

    @Test func theExamplesCarryNoUnquotedInputWarnings() throws {
        for file in Flow.exampleFiles {
            let r = FlowCompiler.compile(contentsOf: file.path)
            #expect(r.warnings.isEmpty, "\(file.lastPathComponent): \(r.warnings.map(\.description))")
        }
    }
}
