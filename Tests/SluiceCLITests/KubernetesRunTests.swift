import Foundation
import Testing

/// `sluice run --backend kubernetes` as a user runs it against a `kubesim` process.
@Suite struct KubernetesRunTests {
    // Off the Swift pool: the test waits for processes and polls the store.
    @Test func aRunsLogsAreLiveItsLabelsOnItsPodsAndNoPodOutlivesIt() async throws {
        try await offPool { try Self.runOnKubernetes() }
    }

    static func runOnKubernetes() throws {
        let ws = try Workspace()
        let sim = try KubeSimProcess(ws)
        defer { sim.stop() }
        let gate = ws.dir.appendingPathComponent("go").path
        let flow = try ws.write("live.yaml", """
            name: live
            tasks:
              t:
                image: busybox
                command: [sh, -c, 'echo first line; while [ ! -e \(gate) ]; do sleep 0.05; done; echo second line']
            nodes:
              - {id: t, task: t}
            """)
        // The default --pod-delete-after (10m) would outlive the process: the run deletes its pods as it ends.
        let run = Process()
        run.executableURL = CLI.binary
        run.arguments = ["run", flow, "--run-id", "kr", "--label", "team=vision", "-o", "json", "--store", ws.store,
                         "--backend", "kubernetes", "--kubeconfig", sim.kubeconfig]
        run.currentDirectoryURL = ws.dir
        run.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        run.standardError = errors
        try run.run()
        defer { if run.isRunning { run.terminate() } }

        // While the task waits for the gate, `sluice logs` shows what it printed so far.
        var deadline = Date().addingTimeInterval(60)
        var shown = ""
        while Date() < deadline, !shown.contains("first line") {
            shown = (try? ws.sluice(["logs", "kr", "t"]).stdout) ?? ""
            if !shown.contains("first line") { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(shown.contains("first line"), "logs while running: \(shown)")
        #expect(!shown.contains("second line"))
        #expect(run.isRunning)

        _ = FileManager.default.createFile(atPath: gate, contents: nil)
        deadline = Date().addingTimeInterval(60)
        while Date() < deadline, run.isRunning { Thread.sleep(forTimeInterval: 0.05) }
        #expect(!run.isRunning)
        run.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(run.terminationStatus == 0, "\(stderr)")

        // No pod is left behind, the log outlived it, and the pod carried the run's label.
        let objects = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(string: sim.url + "/kubesim/objects")!)) as? [String: Any]
        let pods = (objects?["items"] as? [[String: Any]] ?? []).filter { ($0["kind"] as? String) == "Pod" }
            .compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }
        #expect(pods.isEmpty)
        let logs = try ws.sluice(["logs", "kr", "t"])
        #expect(logs.stdout.contains("first line") && logs.stdout.contains("second line"), "\(logs.stdout) \(logs.stderr)")
        let writes = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(string: sim.url + "/kubesim/writes")!)) as? [String: Any]
        let created = (writes?["items"] as? [[String: Any]] ?? []).first { $0["verb"] as? String == "create" && $0["resource"] as? String == "pods" }
        let labels = ((created?["object"] as? [String: Any])?["metadata"] as? [String: Any])?["labels"] as? [String: String]
        #expect(labels?["team"] == "vision", "\(labels ?? [:])")
    }
}
