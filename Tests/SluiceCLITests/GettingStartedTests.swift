import Foundation
import Testing

/// What a newcomer meets first: a CLI that runs without its supervisor binary, and mistakes that each get a
/// message of their own.
@Suite struct GettingStartedTests {
    static let hello = """
        name: hello
        inputs:
          who: {type: string, default: world}
        outputs:
          greeting: greet.greeting
        tasks:
          greet:
            command:
              - python3
              - -c
              - |
                import json, os
                who = json.load(open(os.environ["SLUICE_INPUTS"]))["who"]
                json.dump({"greeting": "hello " + who}, open(os.environ["SLUICE_OUTPUTS"], "w"))
            inputs: {who: string}
            outputs: {greeting: string}
        nodes:
          - {id: greet, task: greet, inputs: {who: inputs.who}}
        """

    /// `swift run sluice` builds no sluice-supervisor; the CLI then supervises attempts itself.
    @Test func aCLIWithoutItsSupervisorBinaryStillRunsFlows() async throws {
        let ws = try Workspace()
        let alone = ws.dir.appendingPathComponent("bin/sluice")
        try FileManager.default.createDirectory(at: alone.deletingLastPathComponent(), withIntermediateDirectories: true)
        // A hard link, not a copy: a copy's write descriptor, inherited by a process another test spawns at that
        // moment, makes exec of the copy fail with "Text file busy". (A copy only where links cannot be made.)
        if link(CLI.binary.path, alone.path) != 0 { try FileManager.default.copyItem(at: CLI.binary, to: alone) }
        let flow = try ws.write("hello.yaml", Self.hello)
        let out = try await CLI.run(["run", flow, "--run-id", "alone", "--store", ws.store, "-o", "json", "--input", "who=O'Brien"],
                                    in: ws.dir, binary: alone)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("\"greeting\":\"hello O'Brien\""), "\(out.stdout)")
        #expect(out.stdout.contains("\"state\":\"succeeded\""), "\(out.stdout)")
        let status = try await CLI.run(["status", "alone", "--store", ws.store, "-o", "json"], in: ws.dir, binary: alone)
        #expect(status.stdout.contains("\"succeeded\""))
    }

    @Test func aSupervisorPathThatCannotRunIsNamed() async throws {
        let ws = try Workspace()
        let flow = try ws.write("hello.yaml", Self.hello)
        let out = try await CLI.run(["run", flow, "--store", ws.store], in: ws.dir, environment: ["SLUICE_SUPERVISOR": "/nonexistent/sluice-supervisor"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("SLUICE_SUPERVISOR is /nonexistent/sluice-supervisor, which cannot be run as the supervisor: No such file or directory"), "\(out.stderr)")
        #expect(!out.stderr.contains("cannot open the store"))
    }

    @Test func aMistypedCommandGetsASuggestion() async throws {
        let out = try await CLI.run(["sttaus"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("error: 'sttaus' is not a sluice command (did you mean 'status'?)"), "\(out.stderr)")
        let far = try await CLI.run(["frobnicate", "x"])
        #expect(far.status == 2)
        #expect(far.stderr.contains("'frobnicate' is not a sluice command\n"), "\(far.stderr)")
        // Under a group too, with the group's help named.
        let nested = try await CLI.run(["token", "crate"])
        #expect(nested.status == 2)
        #expect(nested.stderr.contains("error: 'crate' is not a 'sluice token' command (did you mean 'create'?)"), "\(nested.stderr)")
        #expect(nested.stderr.contains("Run 'sluice token --help'"), "\(nested.stderr)")
        let apps = try await CLI.run(["apps", "lsit"])
        #expect(apps.stderr.contains("did you mean 'list'?"), "\(apps.stderr)")
        // Aliases and help are commands too.
        await #expect(try CLI.run(["list", "--help"]).status == 0)
        await #expect(try CLI.run(["token", "create", "--help"]).status == 0)
        await #expect(try CLI.run(["help", "run"]).status == 0)
    }

    @Test func everyMissingInputIsNamedInOneError() async throws {
        let ws = try Workspace()
        let flow = try ws.write("two.yaml", """
            name: two
            inputs:
              a: {type: string}
              b: {type: int}
              c: {type: int, default: 3}
            tasks:
              t: {command: [echo, hi]}
            nodes:
              - {id: x, task: t}
            """)
        let out = try await ws.sluice(["run", flow])
        #expect(out.status == 2)
        #expect(out.stderr.contains("missing required inputs 'a' (string), 'b' (int); pass --input a=VALUE --input b=VALUE"), "\(out.stderr)")
        let one = try await ws.sluice(["run", flow, "--input", "b=2"])
        #expect(one.stderr.contains("missing required input 'a' (string); pass --input a=VALUE\n"), "\(one.stderr)")
        // A refused run leaves no store behind.
        #expect(!FileManager.default.fileExists(atPath: ws.store), "a refused run created \(ws.store)")
    }

    @Test func aFolderAndAMissingFileAreToldApart() async throws {
        let ws = try Workspace()
        _ = try ws.write("flow.yaml", Self.hello)
        let folder = try await ws.sluice(["run", ws.dir.path])
        #expect(folder.status == 2)
        #expect(folder.stderr.contains("this is a folder, not a flow file; name a file in it, e.g. \(ws.dir.path)/flow.yaml"), "\(folder.stderr)")
        let missing = try await ws.sluice(["run", ws.dir.appendingPathComponent("nope.yaml").path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nope.yaml:1:1: no such file"), "\(missing.stderr)")
    }

    @Test func aBusyPortIsSaidPlainly() async throws {
        let ws = try Workspace()
        let (fd, port) = try Self.listeningSocket()
        defer { close(fd) }
        let out = try await ws.sluice(["serve", "--listen", "127.0.0.1:\(port)"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("cannot listen on 127.0.0.1:\(port): the address is already in use"), "\(out.stderr)")
        // Found before anything is written: no store, no admin token.
        #expect(!FileManager.default.fileExists(atPath: ws.store), "a serve on a busy port created \(ws.store)")
    }

    @Test func documentCommandsListOnlyTheFormatsTheyPrint() async throws {
        let help = try await CLI.run(["compile", "--help"])
        #expect(help.stdout.contains("values: json, yaml"), "\(help.stdout)")
        let text = try await CLI.run(["render", "x.yaml", "-o", "text"])
        #expect(text.status == 2)
        #expect(text.stderr.contains("'text'"), "\(text.stderr)")
    }

    @Test func resumeOfAFinishedRunPrintsItsOutcomeAsAskedFor() async throws {
        let ws = try Workspace()
        let flow = try ws.write("hello.yaml", Self.hello)
        let done = try await ws.sluice(["run", flow, "--run-id", "fin1"])
        #expect(done.status == 0, "\(done.stderr)")
        let resumed = try await ws.sluice(["resume", "fin1", "-o", "json"])
        #expect(resumed.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any]
        #expect(json?["run"] as? String == "fin1" && json?["state"] as? String == "succeeded", "\(resumed.stdout)")
    }

    /// A TCP socket listening on a free loopback port, held by the test.
    static func listeningSocket() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard fd >= 0, bound else { throw POSIXError(.EADDRINUSE) }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}
