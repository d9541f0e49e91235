import Foundation
import Testing

/// A `kubesim` process (the API-server double, running pod commands on this machine) for CLI tests.
final class KubeSimProcess: @unchecked Sendable {
    let process = Process()
    let url: String
    let kubeconfig: String

    init(_ ws: Workspace) throws {
        kubeconfig = ws.dir.appendingPathComponent("kubeconfig").path
        process.executableURL = CLI.binary.deletingLastPathComponent().appendingPathComponent("kubesim")
        process.arguments = ["--listen", "127.0.0.1:0", "--write-kubeconfig", kubeconfig, "--run-commands", "--runtime", "host"]
        // It prints where it listens on stdout.
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        url = try listeningURL(out, of: process, "kubesim")
    }

    /// The pod creates KubeSim committed (`GET /kubesim/writes`), by name.
    func podCreates() throws -> [String] {
        let data = try Data(contentsOf: URL(string: url + "/kubesim/writes")!)
        let rows = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["items"] as? [[String: Any]] ?? []
        return rows.filter { $0["verb"] as? String == "create" && $0["resource"] as? String == "pods" }.compactMap { $0["name"] as? String }
    }

    func stop(sourceLocation: SourceLocation = #_sourceLocation) {
        mustNotBlockThePool("KubeSimProcess.stop", sourceLocation: sourceLocation)
        process.terminate()
        process.waitUntilExit()
    }
}

/// `sluice serve --backend kubernetes` as a user runs it, killed with SIGKILL mid-run and started again.
@Suite struct KubernetesServeTests {
    // Off the Swift pool: the test waits for processes and polls the store.
    @Test func aKilledServerRestartsAndFinishesTheRunWithoutASecondPod() async throws {
        try await offPool { try Self.killedServerRestarts() }
    }

    static func killedServerRestarts() throws {
        let ws = try Workspace()
        let sim = try KubeSimProcess(ws)
        defer { sim.stop() }
        let gate = ws.dir.appendingPathComponent("go").path
        let flow = try ws.write("wait.yaml", """
            name: wait
            tasks:
              wait:
                image: busybox
                outputs: {ok: bool}
                command: [sh, -c, 'while [ ! -e \(gate) ]; do sleep 0.05; done; printf "{\\"ok\\": true}" > "$SLUICE_OUTPUTS"']
            nodes:
              - {id: a, task: wait}
              - {id: b, task: wait}
            """)
        let kube = ["--backend", "kubernetes", "--kubeconfig", sim.kubeconfig, "--lease-duration", "3s"]
        let first = try RemoteServer(ws, extra: kube)
        let submitted = try ws.sluice(["submit", flow, "--run-id", "kx", "--server", first.url])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        func attemptsRunning() throws -> Int {
            let status = try ws.status("kx")
            return ["a", "b"].filter { id in
                ((ws.node(status, id)?["attempts"] as? [[String: Any]])?.last?["state"] as? String) == "running"
            }.count
        }
        var deadline = Date().addingTimeInterval(60)
        while Date() < deadline, try attemptsRunning() < 2 { Thread.sleep(forTimeInterval: 0.05) }
        #expect(try attemptsRunning() == 2)
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        _ = FileManager.default.createFile(atPath: gate, contents: nil)

        // The next server waits out the dead one's Lease, adopts both pods and finishes the run.
        let second = try RemoteServer(ws, extra: kube)
        defer { second.stop() }
        deadline = Date().addingTimeInterval(120)
        while Date() < deadline, (try ws.status("kx")["state"] as? String) != "succeeded" { Thread.sleep(forTimeInterval: 0.1) }
        #expect(try ws.status("kx")["state"] as? String == "succeeded")
        let creates = try sim.podCreates()
        #expect(creates.sorted() == ["kx-a-1", "kx-b-1"], "\(creates)")
        let logs = try ws.sluice(["logs", "kx", "a"])
        #expect(logs.status == 0, "\(logs.stderr)")
    }
}
