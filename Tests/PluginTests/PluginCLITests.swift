import Foundation
import KubeSim
import SluiceKube
import SluiceRuntime
import Testing

/// Plugin tasks through the real `sluice` binary. `kill -9` of `sluice run` while a plugin task's HTTP request is in
/// flight, then `sluice resume`: the attempt's start was recorded before the request, so the resumed run knows it
/// was interrupted. A GET runs again; a POST is not sent again unless the task's retries allow another attempt. The
/// test server counts what it received.
@Suite(.serialized) struct PluginCLITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let binary: String = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("sluice").path
        return FileManager.default.isExecutableFile(atPath: beside) ? beside : root.appendingPathComponent(".build/debug/sluice").path
    }()

    /// A flow of one http task calling `/once/NAME` with `method`, its `retries` attempts in all.
    static func flow(_ folder: String, method: String, name: String, attempts: Int, idempotencyKey: String? = nil) throws -> String {
        let body = (method == "GET" ? "" : ", body: {n: 1}") + (idempotencyKey.map { ", idempotency_key: '\($0)'" } ?? "")
        let text = """
            name: once
            inputs: {api: string}
            outputs: {calls: call.calls}
            tasks:
              call:
                type: http
                inputs: {api: string}
                outputs: {calls: int}
                config: {method: \(method), url: "{{inputs.api}}/once/\(name)", field: calls, timeout: 1h\(body)}
                retries: {attempts: \(attempts), backoff: {base: 1ms, factor: 1, max: 1ms}}
            nodes:
              - {id: call, task: call, inputs: {api: inputs.api}}
            """
        let path = folder + "/once.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A started `sluice` with its output in a file.
    static func start(_ args: [String], folder: String) throws -> (Process, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args + ["--store", folder + "/store"]
        let log = folder + "/sluice-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return (p, log)
    }

    /// Runs `sluice` to its end; its exit status and output.
    static func run(_ args: [String], folder: String) async throws -> (Int32, String) {
        let (p, log) = try start(args, folder: folder)
        try await onThread { p.waitUntilExit() }
        return (p.terminationStatus, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// Starts `sluice run`, waits until the server holds the request, and kills the controller with SIGKILL.
    static func runAndKillMidRequest(_ server: TestHTTPServer, flow: String, folder: String) async throws {
        let (p, log) = try start(["run", flow, "--run-id", "r1", "--input", "api=\(server.base)"], folder: folder)
        let arrived = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in server.hung { return true }
                return false
            }
            group.addTask {
                try? await onThread { p.waitUntilExit() }
                return false
            }
            let first = await group.next() ?? false
            // The group waits for both children: the kill ends the one waiting for the process.
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            group.cancelAll()
            return first
        }
        try await onThread { p.waitUntilExit() }
        #expect(arrived, "sluice run ended before its request arrived: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        #expect(p.terminationReason == .uncaughtSignal)
    }

    @Test func anInterruptedPostIsNotSentAgainAndTheNodeFailsSayingItMayHaveTakenEffect() async throws {
        let server = try await TestHTTPServer.start()
        let folder = temporaryFolder()
        let flow = try Self.flow(folder, method: "POST", name: "post", attempts: 1)
        try await Self.runAndKillMidRequest(server, flow: flow, folder: folder)
        let (status, output) = try await Self.run(["resume", "r1"], folder: folder)
        #expect(status != 0, "\(output)")
        #expect(output.contains("interrupted") && output.contains("(a POST request)") && output.contains("may or may not have taken effect"), "\(output)")
        #expect(server.onceCounts["post"] == 1)
        // A second resume tells the same ending and sends nothing.
        let (again, _) = try await Self.run(["resume", "r1"], folder: folder)
        #expect(again != 0 && server.onceCounts["post"] == 1)
    }

    @Test func anInterruptedPostIsSentAgainWhenTheTaskAllowsAnotherAttempt() async throws {
        let server = try await TestHTTPServer.start()
        let folder = temporaryFolder()
        let flow = try Self.flow(folder, method: "POST", name: "post-retried", attempts: 2)
        try await Self.runAndKillMidRequest(server, flow: flow, folder: folder)
        let (status, output) = try await Self.run(["resume", "r1"], folder: folder)
        #expect(status == 0, "\(output)")
        #expect(server.onceCounts["post-retried"] == 2)
    }

    @Test func anInterruptedPostWithAnIdempotencyKeyIsSentAgainWithTheSameKey() async throws {
        let server = try await TestHTTPServer.start()
        let folder = temporaryFolder()
        let flow = try Self.flow(folder, method: "POST", name: "post-keyed", attempts: 1, idempotencyKey: "order-{{run}}-{{node}}")
        try await Self.runAndKillMidRequest(server, flow: flow, folder: folder)
        let (status, output) = try await Self.run(["resume", "r1"], folder: folder)
        #expect(status == 0, "\(output)")
        #expect(server.onceCounts["post-keyed"] == 2)
        // The repeat is a new attempt (2), and carries the key the interrupted attempt sent.
        #expect(server.onceCounts.keys("post-keyed") == ["order-r1-call", "order-r1-call"])
    }

    @Test func anInterruptedGetRunsAgainOnItsOwn() async throws {
        let server = try await TestHTTPServer.start()
        let folder = temporaryFolder()
        let flow = try Self.flow(folder, method: "GET", name: "get", attempts: 1)
        try await Self.runAndKillMidRequest(server, flow: flow, folder: folder)
        let (status, output) = try await Self.run(["resume", "r1"], folder: folder)
        #expect(status == 0, "\(output)")
        #expect(server.onceCounts["get"] == 2)
    }

    @Test func aMissingHeaderSecretRefusesTheRunBeforeAnythingRuns() async throws {
        let server = try await TestHTTPServer.start()
        let folder = temporaryFolder()
        let path = folder + "/hook.yaml"
        try PluginSecretTests.flow.write(toFile: path, atomically: true, encoding: .utf8)
        let (status, output) = try await Self.run(["run", path, "--input", "api=\(server.base)"], folder: folder)
        #expect(status == 2, "\(output)")
        #expect(output.contains("hook.yaml:9:41") && output.contains("tasks.call.config.headers.Authorization.secret: secret 'api-token' is not in the controller's secret source: the http task reads it from \(folder)/store/secrets/api-token"), "\(output)")
        #expect(server.onceCounts["secret"] == 0)
    }

    /// `sluice run --backend kubernetes`: the http task's header comes from the Kubernetes Secret, not from the store's
    /// secrets folder (which holds another value), and a Secret that is missing there fails the run naming it.
    @Test func sluiceRunOnKubernetesReadsPluginSecretsFromKubernetesSecrets() async throws {
        let server = try await TestHTTPServer.start()
        let folder = temporaryFolder()
        var options = KubeSimOptions()
        options.kubeconfigPath = folder + "/kubeconfig"
        options.bookmarkInterval = .milliseconds(200)
        let sim = try await KubeSim.start(options)
        let client = KubeClient(server: sim.baseURL, rateLimiter: RateLimiter(qps: 0, burst: 1))
        _ = try await client.create(PluginPodTests.secrets, namespace: "default", [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "api-token"],
            "data": ["token": .string(Data("from-kubernetes".utf8).base64EncodedString())],
        ])
        let local = LocalSecrets(directory: LocalSecrets.directory(forStore: folder + "/store"))
        try FileManager.default.createDirectory(atPath: local.directory + "/api-token", withIntermediateDirectories: true)
        try "from-the-folder".write(toFile: local.directory + "/api-token/token", atomically: true, encoding: .utf8)
        let kube = ["--backend", "kubernetes", "--kubeconfig", folder + "/kubeconfig"]
        for (secret, succeeds) in [("api-token", true), ("other-token", false)] {
            let path = folder + "/\(secret).yaml"
            try PluginKubeSecretTests.flow.replacingOccurrences(of: "SECRET", with: secret).write(toFile: path, atomically: true, encoding: .utf8)
            let (status, output) = try await Self.run(["run", path, "--run-id", secret, "--input", "api=\(server.base)", "-o", "json"] + kube, folder: folder)
            if succeeds {
                #expect(status == 0 && output.contains("Bearer from-kubernetes") && !output.contains("from-the-folder"), "\(output)")
            } else {
                #expect(status != 0 && output.contains("Secret default/other-token key 'token' cannot be read: Secret default/other-token does not exist"), "\(output)")
            }
        }
        await sim.stop()
    }

    /// `run_in: pod` on the container backend is refused before anything runs, at the field (the engine that
    /// `$DOCKER_HOST` names must answer, as `--backend container` needs one).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DOCKER_HOST"] != nil, "needs DOCKER_HOST (scripts/container-engine.sh)"))
    func runInPodIsRefusedAtSubmitOnTheContainerBackendNamingTheField() async throws {
        let folder = temporaryFolder()
        let path = folder + "/readings.yaml"
        try PluginPodTests.flow.write(toFile: path, atomically: true, encoding: .utf8)
        let (status, output) = try await Self.run(["run", path, "--backend", "container", "--input", "city=Lyon", "--input", "temperature=21.5"],
                                                  folder: folder)
        #expect(status == 2, "\(output)")
        #expect(output.contains("readings.yaml:11:15: tasks.save.config.run_in: 'run_in' makes this sql task run as a pod, and the container backend runs no pods"),
                "\(output)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/store/attempts/r1"))
    }

    /// libpq is loaded only by a postgres task: `sluice --help` and a local run of a sqlite task never load it.
    @Test func sluiceLoadsLibpqOnlyForAPostgresTask() async throws {
        let folder = temporaryFolder()
        let path = folder + "/count.yaml"
        try """
            name: count
            outputs: {n: q.n}
            tasks:
              q:
                type: sql
                outputs: {n: int}
                config: {dialect: sqlite, database: \(folder)/x.db, statement: "select 41 + 1"}
            nodes:
              - {id: q, task: q}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        // An empty file is an empty SQLite database.
        _ = FileManager.default.createFile(atPath: folder + "/x.db", contents: nil)
        for args in [["--help"], ["run", path]] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Self.binary)
            p.arguments = args + (args == ["--help"] ? [] : ["--store", folder + "/store"])
            // The dynamic loader names every library it opens, also through dlopen.
            p.environment = ProcessInfo.processInfo.environment.merging(["LD_DEBUG": "files"]) { $1 }
            let log = folder + "/ld-\(UUID().uuidString).log"
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            p.standardOutput = handle
            p.standardError = handle
            try p.run()
            try await onThread { p.waitUntilExit() }
            let text = try String(contentsOfFile: log, encoding: .utf8)
            #expect(p.terminationStatus == 0, "\(args): \(text.suffix(2000))")
            #expect(text.contains("file=libc.so.6"), "LD_DEBUG printed nothing: \(text.prefix(500))")
            #expect(!text.contains("file=libpq.so"), "\(args) loaded libpq")
        }
    }
}
