import Foundation
import Testing

/// docs/reference/cli.md cannot drift from the CLI: every command `sluice --help` lists (and their subcommands)
/// has a section, and every option a command's `--help` shows is documented in that command's section or in
/// "Options many commands share".
@Suite struct CLIReferenceTests {
    static let reference = CLI.root.appendingPathComponent("docs/reference/cli.md")

    /// The reference's sections: heading text → body, split at `## `.
    static func sections() throws -> [(heading: String, body: String)] {
        let text = try String(contentsOf: reference, encoding: .utf8)
        return text.components(separatedBy: "\n## ").dropFirst().map { chunk in
            let heading = chunk.prefix { $0 != "\n" }
            return (String(heading), String(chunk))
        }
    }

    /// The subcommand names a `--help` lists under SUBCOMMANDS (the block ends at its first blank line).
    static func subcommands(_ help: String) -> [String] {
        guard let start = help.range(of: "SUBCOMMANDS:\n") else { return [] }
        var names: [String] = []
        for line in help[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { break }
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let word = line.split(separator: " ").first else { continue }
            if let name = word.split(separator: ",").first, name.allSatisfy({ $0.isLowercase || $0 == "-" }) { names.append(String(name)) }
        }
        return names
    }

    /// The long options a `--help` lists under OPTIONS (and option groups), without --help and --version.
    static func options(_ help: String) -> Set<String> {
        var found = Set<String>()
        for line in help.split(separator: "\n") where line.hasPrefix("  -") {
            let head = line.split(separator: " ", omittingEmptySubsequences: true).prefix(3).joined(separator: " ")
            for match in head.matches(of: /--[a-z0-9][a-z0-9-]*/) { found.insert(String(match.output)) }
        }
        return found.subtracting(["--help", "--version"])
    }

    /// Every command path: `[validate]`, ..., `[token, create]`, `[config, set-context]`.
    static func commandPaths() async throws -> [[String]] {
        var paths: [[String]] = []
        var pending: [[String]] = try await subcommands(CLI.run(["--help"]).stdout).filter { $0 != "help" }.map { [$0] }
        while let path = pending.first {
            pending.removeFirst()
            let out = try await CLI.run(path + ["--help"])
            guard out.status == 0, path.count <= 3 else { continue }
            paths.append(path)
            pending += subcommands(out.stdout).map { path + [$0] }
        }
        return paths
    }

    @Test func everyCommandAndOptionIsInTheReference() async throws {
        let sections = try Self.sections()
        let shared = sections.first { $0.heading.hasPrefix("Options many commands share") }?.body ?? ""
        var missing: [String] = []
        for path in try await Self.commandPaths() {
            let name = "sluice " + path.joined(separator: " ")
            // The section whose heading names the command (`sluice token create|list|revoke` covers all three).
            let section = sections.first { s in
                let heading = s.heading.replacingOccurrences(of: "`", with: "")
                if heading.hasPrefix(name + " ") || heading == name { return true }
                let parent = "sluice " + path.dropLast().joined(separator: " ") + " "
                return path.count > 1 && heading.hasPrefix(parent) && heading.contains(path.last! )
            }
            guard let section else {
                missing.append("\(name): no section whose heading starts with `\(name)`")
                continue
            }
            let help = try await CLI.run(path + ["--help"]).stdout
            for option in Self.options(help).sorted() where !section.body.contains(option) && !shared.contains(option) {
                missing.append("\(name): \(option) is not documented")
            }
        }
        #expect(missing.isEmpty, "docs/reference/cli.md lacks:\n\(missing.joined(separator: "\n"))")
    }

    /// Lines of a `--help`'s discussion that end early because the source broke a sentence (the parser wraps at 80
    /// columns and keeps the source's newlines, so a source line over 80 shows as a long line then a stub).
    static func brokenLines(_ help: String) -> [String] {
        let lines = help.components(separatedBy: "\n")
        guard let usage = lines.firstIndex(where: { $0.hasPrefix("USAGE:") }) else { return [] }
        var broken: [String] = []
        for k in 1..<max(1, usage) where k + 1 < usage {
            let line = lines[k], next = lines[k + 1]
            let prose = { (l: String) in !l.isEmpty && !l.hasPrefix(" ") && !l.hasPrefix("-") && !l.hasPrefix("OVERVIEW:") }
            guard prose(line), prose(next), line.count < 50, !line.hasSuffix(":") else { continue }
            // A stub right after a full-width line: the sentence was cut by the source's newline.
            if k > 0, lines[k - 1].count > 70 { broken.append("\(lines[k - 1])⏎\(line)⏎\(next)") }
        }
        return broken
    }

    @Test func helpProseIsNotWrappedTwice() async throws {
        var found: [String] = []
        for path in try await Self.commandPaths() {
            let help = try await CLI.run(path + ["--help"]).stdout
            found += Self.brokenLines(help).map { "sluice \(path.joined(separator: " ")): \($0)" }
        }
        #expect(found.isEmpty, "help prose broken mid-sentence (join the source lines with a trailing \\):\n\(found.joined(separator: "\n"))")
    }

    @Test func theEnvironmentAndCompletionAreDocumented() throws {
        let text = try String(contentsOf: Self.reference, encoding: .utf8)
        for needle in ["SLUICE_SUPERVISOR", "SLUICE_STORE", "SLUICE_SERVER", "SLUICE_TOKEN", "SLUICE_CONTEXT", "NO_COLOR",
                       "--generate-completion-script", "XDG_CONFIG_HOME"] {
            #expect(text.contains(needle), "cli.md does not mention \(needle)")
        }
    }
}
