import Foundation
import Testing

@testable import SluiceCompiler
import SluiceModel

/// Broken versions of every example must come back as a flow or as diagnostics with a real place — never a crash.
@Suite("Fuzz: truncated and mutated examples")
struct FuzzTests {
    static let files = Flow.exampleFiles.map(\.lastPathComponent)
    static let truncations = 200
    static let mutations = 500
    /// Characters a mutation writes over an existing one: YAML indicators, quotes, blanks and comment marks.
    static let replacements: [Character] = [":", "{", "}", "[", "]", "-", "'", "\"", " ", "\t", "#", "&", "*", "!", "|", ">", "%", "@"]

    /// Why `text` broke the contract, or nil when it kept it.
    static func problem(_ text: String) -> String? {
        let r = FlowCompiler.compile(text, file: "fuzz.yaml")
        if r.flow == nil && r.diagnostics.isEmpty { return "neither a flow nor a diagnostic" }
        if r.flow != nil && !r.diagnostics.isEmpty { return "a flow and diagnostics at once" }
        // libyaml may place an error at the end of the text, one line past the last one, or just past a line's end.
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        for d in r.diagnostics {
            if d.line < 1 || d.column < 1 || d.line > lines.count + 1 { return "bad place \(d.line):\(d.column) in \(d)" }
            let width = d.line <= lines.count ? lines[d.line - 1].count : 0
            if d.column > width + 1 { return "column \(d.column) is past the end of line \(d.line) (\(width) characters) in \(d)" }
            if d.message.isEmpty { return "empty message at \(d.line):\(d.column)" }
        }
        let places = r.diagnostics.map { Location(line: $0.line, column: $0.column) }
        if places != places.sorted() { return "diagnostics out of order: \(r.diagnostics)" }
        return nil
    }

    /// The byte offsets of `count` evenly spaced cuts, each moved forward to the start of a UTF-8 character.
    static func cuts(_ bytes: [UInt8], count: Int) -> [Int] {
        var offsets = Set<Int>()
        for k in 0..<count {
            var o = k * bytes.count / count
            while o < bytes.count, bytes[o] & 0xC0 == 0x80 { o += 1 }
            offsets.insert(o)
        }
        return offsets.sorted()
    }

    @Test(arguments: files)
    func everyTruncationIsHandled(_ name: String) async throws {
        let bytes = Array(try Flow.exampleText(name).utf8)
        let offsets = Self.cuts(bytes, count: Self.truncations)
        #expect(offsets.count >= min(bytes.count, Self.truncations) / 2)
        // Seconds of compiling: on a thread of its own, not on the cooperative pool the async suites need.
        let failures = await onOwnThread {
            offsets.map { o -> String? in
                guard let text = String(validating: bytes[..<o], as: UTF8.self) else { return "\(name) cut at \(o) split a character" }
                return Self.problem(text).map { "\(name) cut at byte \(o): \($0)" }
            }.compactMap { $0 }
        }
        #expect(failures.isEmpty, "\(failures.count) failures, e.g.\n\(failures.prefix(5).joined(separator: "\n"))")
    }

    /// One to three random edits: delete, duplicate or swap lines, or overwrite a character.
    static func mutate(_ text: String, using rng: inout SplitMix64) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            guard !lines.isEmpty else { break }
            let i = Int.random(in: 0..<lines.count, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: lines.remove(at: i)
            case 1: lines.insert(lines[i], at: i)
            case 2: lines.swapAt(i, Int.random(in: 0..<lines.count, using: &rng))
            default:
                var chars = Array(lines[i])
                let c = Self.replacements.randomElement(using: &rng)!
                if chars.isEmpty { chars = [c] } else { chars[Int.random(in: 0..<chars.count, using: &rng)] = c }
                lines[i] = String(chars)
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A seed from the file name (FNV-1a), so each file gets its own stable sequence.
    static func seed(_ name: String) -> UInt64 {
        name.utf8.reduce(0xCBF2_9CE4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    }

    @Test(arguments: files)
    func everyMutationIsHandled(_ name: String) async throws {
        let original = try Flow.exampleText(name)
        // Seconds of compiling: on a thread of its own, not on the cooperative pool the async suites need.
        let (failures, compiled) = await onOwnThread {
            var rng = SplitMix64(seed: Self.seed(name))
            var failures: [String] = []
            var compiled = 0
            for k in 0..<Self.mutations {
                let text = Self.mutate(original, using: &rng)
                if let p = Self.problem(text) {
                    failures.append("\(name) mutation \(k): \(p)\n---\n\(text)\n---")
                } else if FlowCompiler.compile(text).flow != nil {
                    compiled += 1
                }
            }
            return (failures, compiled)
        }
        #expect(failures.isEmpty, "\(failures.count) failures, e.g.\n\(failures.prefix(3).joined(separator: "\n"))")
        // Most single edits break a flow; if nearly all compiled, the mutations would not be testing much.
        #expect(compiled < Self.mutations * 9 / 10, "\(compiled) of \(Self.mutations) mutations still compiled")
    }

    @Test func truncationCutsRespectUTF8() {
        let bytes = Array("name: ünïcødé-✓\n".utf8)
        for o in Self.cuts(bytes, count: bytes.count) {
            #expect(String(validating: bytes[..<o], as: UTF8.self) != nil, "cut at \(o)")
        }
    }

    @Test func nonASCIIAndControlCharactersAreHandled() {
        for text in ["name: dëmo\nnodes: []\n", "name: demo\u{0}\nnodes: []\n", "\u{FEFF}name: demo\nnodes: []\n",
                     "name: demo\r\nnodes:\r\n  - {id: a, task: t}\r\n", "name: [\n", "::::", "- - - -", "{", "\"", "'", "&a *a",
                     "name: &a demo\nnodes: *a\n", "<<: {name: demo}\nnodes: []\n", "name: demo\n---\nname: other\n"] {
            #expect(Self.problem(text) == nil, "\(text.debugDescription): \(Self.problem(text) ?? "")")
        }
    }

    @Test(arguments: [300, 5_000])
    func deepNestingIsRefusedNotOverflowed(_ depth: Int) {
        let deep = "name: demo\nnodes: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
        let r = FlowCompiler.compile(deep)
        #expect(r.flow == nil)
        #expect(r.diagnostics.count == 1)
        #expect(r.diagnostics.first?.code == .syntax)
        #expect(r.diagnostics.first?.line == 2)
        // The composer stops at 256 levels; libyaml itself stops near 1,000, reworded to say the same.
        #expect(r.diagnostics.first?.message == "the document nests too deeply (more than 256 levels)", "\(r.diagnostics)")
    }

    @Test(.timeLimit(.minutes(1))) func aliasExpansionIsBounded() {
        var lines = ["name: demo", "tasks: {t: {command: [echo], inputs: {x: json}}}", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for i in 1..<9 {
            lines.append("a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]")
        }
        lines.append("nodes: [{id: a, task: t, inputs: {x: *a8}}]")
        // A billion-node expansion would not finish within the time limit; how fast the refusal is
        // belongs to bench/compile.sh, not here.
        let r = FlowCompiler.compile(lines.joined(separator: "\n"))
        #expect(r.flow == nil)
        #expect(!r.diagnostics.isEmpty)
    }
}

/// Runs CPU-bound work on a thread of its own and awaits its result: a sync test of many seconds would hold
/// one of the cooperative pool's two threads and starve the async tests running beside it.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}
