import Foundation
import Testing

/// `sluice serve` on its default (local) backend runs task plugins too, as `sluice run` does.
@Suite struct ServePluginTests {
    @Test func aSQLTaskSubmittedToALocalServerRunsInItsController() async throws {
        let ws = try Workspace()
        let database = try ws.write("numbers.db", "")
        try FileManager.default.createDirectory(atPath: ws.store + "/secrets", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: ws.store + "/secrets/numbers-db", contents: Data(database.utf8))
        let flow = try ws.write("ask.yaml", """
            name: ask
            inputs: {n: {type: int, default: 41}}
            outputs: {rows: ask.rows}
            tasks:
              ask:
                type: sql
                inputs: {n: int}
                outputs: {rows: list<json>}
                config:
                  dialect: sqlite
                  database: {secret: numbers-db}
                  statement: "select {{inputs.n}} + 1 as answer"
            nodes:
              - {id: ask, task: ask, inputs: {n: inputs.n}}
            """)
        let server = try await RemoteServer.start(ws)
        defer { server.terminate() }
        let out = try await ws.sluice(["submit", flow, "--run-id", "ask1", "--wait", "-o", "json", "--server", server.url])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        let run = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
        #expect((run?["outputs"] as? [String: Any])?["rows"] as? [[String: Int]] == [["answer": 42]], "\(out.stdout)")
    }

    @Test func backendOptionsWithServerAreRefusedNotIgnored() async throws {
        let ws = try Workspace()
        let hello = CLI.root.appendingPathComponent("examples/hello.yaml").path
        for extra in [["--max-local-attempts", "2"], ["--engine", "unix:///nowhere.sock"]] {
            let out = try await ws.sluice(["run", hello, "--server", "http://127.0.0.1:1"] + extra)
            #expect(out.status == 2 && out.stderr.contains("with --server, the server's backend runs it"), "\(extra): \(out.stderr)")
        }
        let interval = try await ws.sluice(["serve", "--retention-interval", "5m"])
        #expect(interval.status == 2 && interval.stderr.contains("give --retain-finished too"), "\(interval.stderr)")
    }
}
