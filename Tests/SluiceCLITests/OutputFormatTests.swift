import Foundation
import Testing
import Yams

/// A JSON or YAML value reduced to one comparable text: kinds and values, maps by sorted key.
enum Canonical {
    /// JSON as decoded strictly (a bool is never a number).
    indirect enum JSONValue: Decodable {
        case null, bool(Bool), int(Int64), double(Double), string(String), list([JSONValue]), map([String: JSONValue])

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let i = try? c.decode(Int64.self) { self = .int(i) }
            else if let d = try? c.decode(Double.self) { self = .double(d) }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else if let l = try? c.decode([JSONValue].self) { self = .list(l) }
            else { self = .map(try c.decode([String: JSONValue].self)) }
        }

        func text(ignoring: Set<String>) -> String {
            switch self {
            case .null: "null"
            case .bool(let b): "b:\(b)"
            case .int(let i): "n:\(Double(i))"
            case .double(let d): "n:\(d)"
            case .string(let s): "s:\(s.debugDescription)"
            case .list(let l): "[" + l.map { $0.text(ignoring: ignoring) }.joined(separator: ",") + "]"
            case .map(let m): "{" + m.keys.sorted().filter { !ignoring.contains($0) }
                .map { "\($0.debugDescription):\(m[$0]!.text(ignoring: ignoring))" }.joined(separator: ",") + "}"
            }
        }
    }

    static func json(_ text: String, ignoring: Set<String> = []) throws -> String {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)).text(ignoring: ignoring)
    }

    /// What Yams read: String, Bool, Int, Double, NSNull, arrays and maps.
    static func yaml(_ value: Any?, ignoring: Set<String> = []) -> String {
        switch value {
        case nil, is NSNull: return "null"
        case let s as String: return "s:\(s.debugDescription)"
        case let b as Bool: return "b:\(b)"
        case let i as Int: return "n:\(Double(i))"
        case let d as Double: return "n:\(d)"
        case let l as [Any]: return "[" + l.map { yaml($0, ignoring: ignoring) }.joined(separator: ",") + "]"
        case let m as [String: Any]: return "{" + m.keys.sorted().filter { !ignoring.contains($0) }
            .map { "\($0.debugDescription):\(yaml(m[$0], ignoring: ignoring))" }.joined(separator: ",") + "}"
        default: return "?\(type(of: value!))"
        }
    }
}

/// `-o text|json|yaml` on every command that prints data: json parses, yaml parses to the same document.
@Suite struct OutputFormatTests {
    static let gated = """
        name: gated
        tasks:
          say: {command: [sh, -c, "echo said"]}
        nodes:
          - {id: first, task: say}
          - {id: review, gate: {approve: null, message: "ok?"}, after: [first]}
        """

    /// Runs `args` with `-o text`, `-o json` and `-o yaml`: text prints, and json and yaml parse to the same value.
    /// A command that records a run is given `--run-id ID-json` and `--run-id ID-yaml` by `runID`.
    static func sameDocument(_ ws: Workspace, _ args: [String], runID: String? = nil, ignoring: Set<String> = [],
                             storeless: Bool = false, text printsText: Bool = true) async throws {
        let named = { (format: String) in runID.map { ["--run-id", "\($0)-\(format)"] } ?? [] }
        let sluice = { (args: [String]) in storeless ? try await CLI.run(args, in: ws.dir) : try await ws.sluice(args) }
        if printsText {
            let text = try await sluice(args + named("text") + ["-o", "text"])
            #expect(text.status == 0 && !text.stdout.isEmpty && !text.stdout.contains("\u{1b}"), "\(args): \(text.stdout)\(text.stderr)")
        }
        let json = try await sluice(args + named("json") + ["-o", "json"])
        let yaml = try await sluice(args + named("yaml") + ["-o", "yaml"])
        #expect(json.status == 0 && yaml.status == 0, "\(args): \(json.stderr)\(yaml.stderr)")
        let fromJSON = try Canonical.json(json.stdout, ignoring: ignoring)
        var fromYAML = Canonical.yaml(try Yams.load(yaml: yaml.stdout), ignoring: ignoring)
        if let runID { fromYAML = fromYAML.replacingOccurrences(of: "\(runID)-yaml", with: "\(runID)-json") }
        #expect(fromJSON == fromYAML, "\(args)\njson: \(json.stdout)\nyaml: \(yaml.stdout)")
        #expect(!yaml.stdout.contains("\u{1b}"))
    }

    @Test func everyDataCommandPrintsTheSameDocumentInJSONAndYAML() async throws {
        let ws = try Workspace()
        let hello = CLI.root.appendingPathComponent("examples/hello.yaml").path
        let gated = try ws.write("gated.yaml", Self.gated)

        try await Self.sameDocument(ws, ["run", hello, "--input", "who=yes"], runID: "h")
        try await Self.sameDocument(ws, ["validate", hello, gated], storeless: true)
        // compile prints a document only: `-o text` is refused.
        try await Self.sameDocument(ws, ["compile", gated], storeless: true, text: false)
        try await Self.sameDocument(ws, ["status", "h-json"])
        try await Self.sameDocument(ws, ["history"])
        try await Self.sameDocument(ws, ["token", "list"])
        try await Self.sameDocument(ws, ["submit", gated], runID: "queued")

        // A run waiting at its gate: gates and status show what it waits for.
        let detached = try await ws.sluice(["run", gated, "--run-id", "g1", "--detach"])
        #expect(detached.status == 0, "\(detached.stderr)")
        let waiting = try await offPool { waitFor { ((try? ws.sluice(["gates", "g1", "-o", "json"]).stdout) ?? "").contains("review") } }
        #expect(waiting)
        try await Self.sameDocument(ws, ["gates", "g1"])
        // The run and its gate are still going: their durations grow between the two reads.
        try await Self.sameDocument(ws, ["status", "g1"], ignoring: ["duration_ms"])
        _ = try await ws.sluice(["approve", "g1", "review"])
        let done = try await ws.sluice(["status", "g1", "-w", "-o", "json"])
        #expect(done.status == 0, "\(done.stdout)\(done.stderr)")
    }

    @Test func doctorPrintsTheSameDocumentWhetherOrNotAnEngineAnswers() async throws {
        let ws = try Workspace()
        let missing = ["--engine", "unix://\(ws.dir.path)/no.sock"]
        let json = try await CLI.run(["doctor", "-o", "json"] + missing, in: ws.dir)
        let yaml = try await CLI.run(["doctor", "-o", "yaml"] + missing, in: ws.dir)
        #expect(json.status == 1 && yaml.status == 1, "\(json.stderr)\(yaml.stderr)")
        #expect(try Canonical.json(json.stdout) == Canonical.yaml(try Yams.load(yaml: yaml.stdout)), "\(json.stdout)\n\(yaml.stdout)")
    }

    @Test func eventsAreJSONLinesOrOneYAMLDocumentEach() async throws {
        let ws = try Workspace()
        let hello = CLI.root.appendingPathComponent("examples/hello.yaml").path
        let ran = try await ws.sluice(["run", hello, "--run-id", "e1"])
        #expect(ran.status == 0, "\(ran.stderr)")
        let json = try await ws.sluice(["events", "e1", "-o", "json"])
        let yaml = try await ws.sluice(["events", "e1", "-o", "yaml"])
        let lines = try json.stdout.split(separator: "\n").map { try Canonical.json(String($0)) }
        let documents = try Yams.load_all(yaml: yaml.stdout).map { Canonical.yaml($0) }
        #expect(lines.count > 2)
        #expect(lines == documents, "\(yaml.stdout)")
    }

    @Test func yamlQuotesWhatWouldReadAsAnotherType() async throws {
        let ws = try Workspace()
        let flow = try ws.write("odd.yaml", """
            name: odd
            inputs:
              who: {type: string}
            tasks:
              t: {command: [sh, -c, "true"]}
            nodes: [{id: a, task: t}]
            """)
        for value in ["yes", "null", "1.5", "2026-01-01", "a: b", "#x", "- item", "\"quoted\"", "line\nbreak", "~", "0x10", "on"] {
            let json = try await ws.sluice(["run", flow, "--input", "who=\(value)", "-o", "json"])
            #expect(json.status == 0, "\(json.stderr)")
            let run = try #require((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["run"] as? String)
            let status = try await ws.sluice(["status", run, "-o", "yaml"])
            let parsed = try Yams.load(yaml: status.stdout) as? [String: Any]
            #expect((parsed?["inputs"] as? [String: Any])?["who"] as? String == value, "\(status.stdout)")
        }
    }

    @Test func anUnknownFormatIsRefusedNamingTheThree() async throws {
        let ws = try Workspace()
        let out = try await ws.sluice(["history", "-o", "xml"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("text") && out.stderr.contains("yaml"), "\(out.stderr)")
    }
}
