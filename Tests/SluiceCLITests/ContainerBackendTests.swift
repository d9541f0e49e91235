import Foundation
import Testing

/// Whether a container engine answers (`sluice doctor`). Tests that need one are skipped with this reason
/// when it does not, except under CI (`CI=true`), where they run and fail: CI must not skip them.
enum ContainerEngine {
    static let answers = Task<Bool, Never> { (try? await CLI.run(["doctor", "-o", "json"]))?.status == 0 }
    static let required = ProcessInfo.processInfo.environment["CI"] == "true"
    static func enabled() async -> Bool { required ? true : await answers.value }
    static let reason: Comment = "no container engine answers: run scripts/container-engine.sh and export the DOCKER_HOST it prints"

    /// The managed containers of a run still known to the engine (`podman`/`docker` CLI not needed: the API
    /// via curl on the socket `sluice doctor` found).
    static func containers(run: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        mustNotBlockThePool("ContainerEngine.containers", sourceLocation: sourceLocation)
        let doctor = try CLI.run(["doctor", "-o", "json"])
        let json = try JSONSerialization.jsonObject(with: Data(doctor.stdout.utf8)) as? [String: Any]
        let rows = json?["engines"] as? [[String: String]] ?? []
        guard let address = rows.first(where: { $0["problem"] == nil })?["address"] else { return [] }
        let socket = address.hasPrefix("unix://") ? String(address.dropFirst(7)) : address
        let filters = "{\"label\":[\"sluice.dev/run=\(run)\"]}".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = ["-sf", "--unix-socket", socket, "http://engine/containers/json?all=1&filters=\(filters)"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        return list.compactMap { ($0["Names"] as? [String])?.first }
    }

    /// Polls `body` until it is true or `limit` passes (no fixed sleep: a busy machine only makes it slower).
    static func eventually(_ limit: Double = 180, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Bool) rethrows -> Bool {
        mustNotBlockThePool("ContainerEngine.eventually", sourceLocation: sourceLocation)
        let deadline = Date().addingTimeInterval(limit)
        while Date() < deadline {
            if try body() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try body()
    }
}

@Suite(.serialized, .enabled(ContainerEngine.reason) { await ContainerEngine.enabled() })
struct ContainerBackendTests {
    static func example(_ name: String) -> String { CLI.root.appendingPathComponent("examples/\(name)").path }

    /// Runs `file` to its end on `backend` and returns the run's JSON (state, outputs).
    static func runToEnd(_ ws: Workspace, _ file: String, backend: String, args: [String] = []) throws -> [String: Any] {
        if file.hasSuffix("gates.yaml") { return try runGates(ws, file, backend: backend) }
        let out = try ws.sluice(["run", file, "--backend", backend, "-o", "json"] + args)
        return (try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]) ?? ["stderr": out.stderr]
    }

    /// gates.yaml waits for a person and a signal: run it in the background, answer both, wait for its end.
    static func runGates(_ ws: Workspace, _ file: String, backend: String) throws -> [String: Any] {
        let started = try ws.sluice(["run", file, "--backend", backend, "--detach", "-o", "json"])
        let id = try #require((try JSONSerialization.jsonObject(with: Data(started.stdout.utf8)) as? [String: Any])?["run"] as? String)
        _ = try ws.sluice(["signal", id, "threshold", "0.5"])
        #expect(try ContainerEngine.eventually(120) { try ws.sluice(["approve", id, "review"]).status == 0 })
        _ = try ContainerEngine.eventually(180) { ["succeeded", "failed"].contains(try ws.status(id)["state"] as? String) }
        return try ws.status(id)
    }

    @Test func everyExampleGivesTheSameOutputsInContainersAsInProcesses() async throws { try await onOwnThread { try self.everyExampleGivesTheSameOutputsInContainersAsInProcessesBody() } }

    func everyExampleGivesTheSameOutputsInContainersAsInProcessesBody() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: CLI.root.appendingPathComponent("examples").path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        // plugins.yaml runs no container (its tasks run in the controller) and needs a forecast service and
        // secrets: PluginFlowTests runs it end to end against a local server. deploy.yaml deploys an app, which
        // only `sluice serve` does (its app and task have no image): DeployStepTests runs it, ContainerDeployStepTests
        // a flow like it in containers.
        for name in names where !["lung-cancer-detection.yaml", "plugins.yaml", "deploy.yaml"].contains(name) {
            let local = try Self.runToEnd(try Workspace(), Self.example(name), backend: "local")
            let container = try Self.runToEnd(try Workspace(), Self.example(name), backend: "container")
            #expect(container["state"] as? String == local["state"] as? String, "\(name): \(container)")
            let a = try JSONSerialization.data(withJSONObject: local["outputs"] ?? [:], options: [.sortedKeys])
            let b = try JSONSerialization.data(withJSONObject: container["outputs"] ?? [:], options: [.sortedKeys])
            #expect(String(decoding: a, as: UTF8.self) == String(decoding: b, as: UTF8.self), "\(name)")
            #expect(local["state"] as? String == "succeeded", "\(name): \(local)")
        }
        // Its images live in a registry these machines cannot reach (and it asks for a GPU, which the local
        // backend refuses at submit): on containers its first tasks fail as user errors naming the image.
        let lung = try Workspace().sluice(["run", Self.example("lung-cancer-detection.yaml"), "--backend", "container", "-o", "json"])
        #expect(lung.status == 1 && lung.stdout.contains("image 'registry.example.com/prep:1' cannot be pulled"), "\(lung)")
    }

    /// Runs a flow of one task `t` (its keys as YAML lines) on the container backend as run `run`; the
    /// command's output and the node's status.
    static func runTask(_ ws: Workspace, run: String, _ keys: String) throws -> (CLI.Output, [String: Any]) {
        let indented = keys.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
        let flow = try ws.write("\(run).yaml", "name: \(run)\ntasks:\n  t:\n\(indented)\nnodes:\n  - {id: t, task: t}\n")
        let out = try ws.sluice(["run", flow, "--backend", "container", "-o", "json", "--run-id", run])
        return (out, try #require(ws.node(try ws.status(run), "t"), "\(out)"))
    }

    @Test func aMemoryLimitKillsABigAllocationAndTheNodeSaysOOMWithTheLimit() async throws { try await onOwnThread { try self.aMemoryLimitKillsABigAllocationAndTheNodeSaysOOMWithTheLimitBody() } }

    func aMemoryLimitKillsABigAllocationAndTheNodeSaysOOMWithTheLimitBody() throws {
        let (out, node) = try Self.runTask(try Workspace(), run: "oom", """
            image: python:3.11-slim
            command: [python3, -c, "b = bytearray(200 * 1024 * 1024); print(len(b))"]
            resources: {memory: 64Mi}
            """)
        #expect(out.status == 1)
        let error = "\(node["error"] ?? "")"
        #expect(error.contains("out of memory") && error.contains("64Mi"), "\(node)")
    }

    @Test func exitCodesAndStderrReachTheNodeAndTheLogs() async throws { try await onOwnThread { try self.exitCodesAndStderrReachTheNodeAndTheLogsBody() } }

    func exitCodesAndStderrReachTheNodeAndTheLogsBody() throws {
        let ws = try Workspace()
        let (out, node) = try Self.runTask(ws, run: "fail", """
            image: busybox:1.36
            command: [sh, -c, "echo to-stdout; echo broken-thing >&2; exit 3"]
            """)
        #expect(out.status == 1)
        #expect("\(node["error"] ?? "")".contains("exited with code 3") && "\(node["error"] ?? "")".contains("broken-thing"), "\(node)")
        let stderr = try ws.sluice(["logs", "fail", "t", "--stderr"])
        let stdout = try ws.sluice(["logs", "fail", "t", "--stdout"])
        #expect(stderr.stdout.contains("broken-thing") && !stderr.stdout.contains("to-stdout"), "\(stderr)")
        #expect(stdout.stdout.contains("to-stdout") && !stdout.stdout.contains("broken-thing"), "\(stdout)")
        #expect(try ContainerEngine.eventually { try ContainerEngine.containers(run: "fail").isEmpty })
    }

    @Test func aCPULimitIsObservedInsideTheContainer() async throws { try await onOwnThread { try self.aCPULimitIsObservedInsideTheContainerBody() } }

    func aCPULimitIsObservedInsideTheContainerBody() throws {
        // cgroup v2 says "50000 100000" in cpu.max; v1 gives the quota and the period in two files.
        let (out, node) = try Self.runTask(try Workspace(), run: "cpu", """
            image: busybox:1.36
            outputs: {quota: string}
            command: [sh, -c, "q=$(cat /sys/fs/cgroup/cpu.max 2>/dev/null || echo $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)); echo \\"{\\\\\\"quota\\\\\\": \\\\\\"$q\\\\\\"}\\" > $SLUICE_OUTPUTS"]
            resources: {cpu: 500m}
            """)
        let quota = (node["outputs"] as? [String: Any])?["quota"] as? String ?? "\(out)"
        let parts = quota.split(separator: " ").compactMap { Double($0) }
        #expect(parts.count == 2 && parts[0] / parts[1] == 0.5, "\(quota)")
    }

    @Test func aMissingImageIsAUserErrorNamingTheImage() async throws { try await onOwnThread { try self.aMissingImageIsAUserErrorNamingTheImageBody() } }

    func aMissingImageIsAUserErrorNamingTheImageBody() throws {
        let (out, node) = try Self.runTask(try Workspace(), run: "missing", """
            image: registry.invalid/nothing-here:9
            command: ["true"]
            retries: {attempts: 1, system_attempts: 3}
            """)
        #expect(out.status == 1)
        #expect("\(node["error"] ?? "")".contains("registry.invalid/nothing-here:9"), "\(node)")
        #expect((node["attempts"] as? [Any])?.count == 1, "a pull failure must not burn system retries: \(node)")
    }

    @Test func aTaskWithoutAnImageIsRefusedWithItsPlace() async throws { try await onOwnThread { try self.aTaskWithoutAnImageIsRefusedWithItsPlaceBody() } }

    func aTaskWithoutAnImageIsRefusedWithItsPlaceBody() throws {
        let ws = try Workspace()
        let flow = try ws.write("noimage.yaml", """
            name: noimage
            tasks:
              t:
                command: [true]
            nodes:
              - {id: t, task: t}
            """)
        let out = try ws.sluice(["run", flow, "--backend", "container"])
        #expect(out.status == 2 || out.status == 1)
        #expect(out.stderr.contains("tasks.t.image"), "\(out.stderr)")
    }

    @Test func killedControllerIsResumedOnTheContainerBackendAndEachTaskRunsOnce() async throws { try await onOwnThread { try self.killedControllerIsResumedOnTheContainerBackendAndEachTaskRunsOnceBody() } }

    func killedControllerIsResumedOnTheContainerBackendAndEachTaskRunsOnceBody() throws {
        let ws = try Workspace()
        // A second run of the same attempt would find its marker in the attempt folder and fail.
        var text = """
            name: chain
            tasks:
              step:
                image: busybox:1.36
                command: [sh, -c, "test -e /sluice/ran && exit 9; touch /sluice/ran; echo '{\\"ok\\": true}' > $SLUICE_OUTPUTS"]
                inputs: {name: string, prev: {type: bool, default: true}}
                outputs: {ok: bool}
            nodes:

            """
        for i in 0..<6 {
            text += "  - {id: s\(i), task: step, inputs: {name: \"s\(i)\"\(i == 0 ? "" : ", prev: s\(i - 1).ok")}}\n"
        }
        let flow = try ws.write("chain.yaml", text)
        for (i, fault) in ["after-commit:2", "before-commit:3", "after-commit:5"].enumerated() {
            let args = i == 0 ? ["run", flow, "--backend", "container", "--run-id", "crash"] : ["resume", "crash"]
            _ = try CrashTests.runAndKill(ws, args, delay: nil, env: ["SLUICE_FAULT": fault])
        }
        var status: Int32? = nil
        for _ in 0..<3 where status != 0 { status = try CrashTests.runAndKill(ws, ["resume", "crash"], delay: nil) }
        #expect(status == 0)
        let run = try ws.status("crash")
        #expect(run["state"] as? String == "succeeded", "\(run)")
        for i in 0..<6 {
            // An attempt the controller recorded but died before starting is lost and retried (it never ran);
            // every other attempt ran exactly once (a second run would have found its marker).
            let node = try #require(ws.node(run, "s\(i)"))
            let attempts = node["attempts"] as? [[String: Any]] ?? []
            let ran = attempts.filter { $0["exit_code"] != nil }
            let neverStarted = attempts.filter { "\($0["error"] ?? "")".contains("never started") }
            #expect(ran.count == 1 && ran.count + neverStarted.count == attempts.count, "s\(i) ran more than once: \(node)")
        }
        #expect(try ContainerEngine.eventually { try ContainerEngine.containers(run: "crash").isEmpty })
        let wrong = try ws.sluice(["resume", "crash", "--backend", "local"])
        #expect(wrong.status == 2 && wrong.stderr.contains("container backend"), "\(wrong.stderr)")
    }

    @Test func abortStopsAndRemovesTheContainers() async throws { try await onOwnThread { try self.abortStopsAndRemovesTheContainersBody() } }

    func abortStopsAndRemovesTheContainersBody() throws {
        let ws = try Workspace()
        let flow = try ws.write("long.yaml", """
            name: long
            tasks:
              wait:
                image: busybox:1.36
                command: [sh, -c, "trap 'exit 143' TERM; while true; do sleep 0.1; done"]
            nodes:
              - {id: a, task: wait}
              - {id: b, task: wait}
            """)
        _ = try ws.sluice(["run", flow, "--backend", "container", "--detach", "--run-id", "long"])
        #expect(try ContainerEngine.eventually { try ContainerEngine.containers(run: "long").count == 2 })
        #expect(try ws.sluice(["abort", "long"]).status == 0)
        #expect(try ContainerEngine.eventually(120) { try ws.status("long")["state"] as? String == "aborted" })
        #expect(try ContainerEngine.eventually { try ContainerEngine.containers(run: "long").isEmpty })
    }
}

/// Runs blocking test code (processes, polling) on a thread of its own instead of the Swift pool's two
/// threads, which the async tests running beside it need (see STACK.md: blocked pool threads starve them).
/// The code stays in the test's task, so its expectations are recorded against the test.
func onOwnThread<T: Sendable>(_ body: @Sendable () throws -> T) async throws -> T {
    try await withTaskExecutorPreference(OwnThreadExecutor()) { try body() }
}

/// A task executor with one dedicated thread, which ends when the executor is released.
final class OwnThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    init() {
        let thread = Thread { [weak self] in
            while let next = self?.next() { next.job.runSynchronously(on: next.executor) }
        }
        thread.name = "test-blocking"
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        condition.lock()
        jobs.append(unowned)
        condition.signal()
        condition.unlock()
    }

    private func next() -> (job: UnownedJob, executor: UnownedTaskExecutor)? {
        condition.lock()
        defer { condition.unlock() }
        while jobs.isEmpty {
            if !condition.wait(until: Date().addingTimeInterval(5)) && jobs.isEmpty { return nil }
        }
        return (jobs.removeFirst(), asUnownedTaskExecutor())
    }
}
