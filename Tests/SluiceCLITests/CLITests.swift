import Foundation
import Testing

/// Runs the built `sluice` binary and captures what it prints.
struct CLI {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The binary next to the test bundle (same build configuration), else the debug build.
    static let binary: URL = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("sluice")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return root.appendingPathComponent(".build/debug/sluice")
    }()

    static func run(_ args: [String], in directory: URL = root, binary: URL = binary, environment: [String: String] = [:],
                    sourceLocation: SourceLocation = #_sourceLocation) throws -> Output {
        mustNotBlockThePool("CLI.run \(args.first ?? "")", sourceLocation: sourceLocation)
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        p.currentDirectoryURL = directory
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// The same, on a thread of its own: async tests never hold a cooperative-pool thread while `sluice` runs.
    static func run(_ args: [String], in directory: URL = root, binary: URL = binary, environment: [String: String] = [:]) async throws -> Output {
        try await offPool { try run(args, in: directory, binary: binary, environment: environment) }
    }

    static func temporaryFile(_ text: String, name: String = "flow.yaml") throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}

@Suite struct ValidateCommandTests {
    @Test func everyExampleValidates() async throws {
        let examples = try FileManager.default.contentsOfDirectory(atPath: CLI.root.appendingPathComponent("examples").path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".json") }.sorted().map { "examples/\($0)" }
        #expect(examples.count >= 7)
        let out = try await CLI.run(["validate"] + examples)
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        for e in examples { #expect(out.stdout.contains("\(e): ok")) }
    }

    @Test func brokenFlowPrintsEveryErrorWithItsPlaceAndExitsOne() async throws {
        let file = try CLI.temporaryFile("""
            name: demo
            tasks:
              t:
                command: [echo]
                inputs: {n: int}
            nodes:
              - {id: a, task: t, inputs: {n: "three"}}
              - {id: b, tsk: t}
            """)
        let out = try await CLI.run(["validate", file.path])
        #expect(out.status == 1)
        let lines = out.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.first?.hasPrefix("\(file.path):7:34: nodes[0].inputs.n: expected int") == true, "\(lines)")
        #expect(lines.last?.hasPrefix("\(file.path):8:13: nodes[1].tsk: unknown key 'tsk'") == true, "\(lines)")
        #expect(out.stderr.contains("2 errors found"))
    }

    @Test func jsonOutputIsMachineReadable() async throws {
        let file = try CLI.temporaryFile("name: demo\nnodes: []\nbogus: 1\n")
        let out = try await CLI.run(["validate", "--output", "json", file.path])
        #expect(out.status == 1)
        let json = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
        #expect(json?["valid"] as? Bool == false)
        let files = json?["files"] as? [[String: Any]]
        let diagnostic = (files?.first?["diagnostics"] as? [[String: Any]])?.first
        #expect(diagnostic?["code"] as? String == "unknown-key")
        #expect(diagnostic?["line"] as? Int == 3)
        #expect(diagnostic?["path"] as? String == "bogus")
    }

    @Test func missingFileIsAnErrorNotACrash() async throws {
        let out = try await CLI.run(["validate", "/nonexistent/flow.yaml"])
        #expect(out.status == 1)
        #expect(out.stdout.contains("/nonexistent/flow.yaml:1:1: no such file"))
    }

    @Test func usageErrorsExitTwo() async throws {
        await #expect(try CLI.run(["validate"]).status == 2)
        await #expect(try CLI.run(["validate", "--output", "xml", "examples/hello.yaml"]).status == 2)
        await #expect(try CLI.run(["frobnicate"]).status == 2)
    }

    @Test(arguments: [["--help"], ["validate", "--help"], ["compile", "--help"]])
    func helpHasExamples(args: [String]) async throws {
        let out = try await CLI.run(args)
        #expect(out.status == 0)
        #expect(out.stdout.contains("sluice validate examples/hello.yaml") || out.stdout.contains("Examples:"), "\(out.stdout)")
    }
}

@Suite struct CompileCommandTests {
    @Test func compileIsStableAndComplete() async throws {
        let first = try await CLI.run(["compile", "examples/lung-cancer-detection.yaml"])
        let second = try await CLI.run(["compile", "examples/lung-cancer-detection.yaml"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == second.stdout)
        let json = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any]
        let workflow = json?["workflow"] as? [String: Any]
        let nodes = workflow?["nodes"] as? [[String: Any]] ?? []
        #expect(nodes.map { $0["id"] as? String } == ["prep", "fit", "review", "package"])
        #expect(nodes.map { $0["step"] as? String } == ["Data Preprocessing", "Federated Training", "Model Validation", "Model Packaging"])
        #expect(nodes.map { $0["depth"] as? Int } == [0, 1, 2, 3])
    }

    @Test func yamlOutputParsesBackAsTheSameGraph() async throws {
        let out = try await CLI.run(["compile", "examples/hello.yaml", "-o", "yaml"])
        #expect(out.status == 0)
        #expect(out.stdout.contains("name: hello"))
        #expect(out.stdout.contains("ref: inputs.who"))
    }

    @Test func compileOfABrokenFileExitsOneWithErrorsOnStderr() async throws {
        let file = try CLI.temporaryFile("name: demo\nnodes: [{id: a, task: nope}]\n")
        let out = try await CLI.run(["compile", file.path])
        #expect(out.status == 1)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.contains("unknown task 'nope'"))
    }
}
