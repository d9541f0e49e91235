import Foundation
import SluiceKube

/// A `kubesim` server in a process of its own (scripted kubelet, no TLS), so this process's RSS is the
/// controller's alone and KubeSim's is read from its own /proc entry.
final class SimProcess: @unchecked Sendable {
    let process: Process
    let kubeconfig: String

    /// Starts `binary` with one big node (room for every pod of the benchmark at once) and a long watch
    /// history and write log (no 410s, every write kept for the duplicate count); waits for its kubeconfig.
    init(binary: String, directory: String) throws {
        kubeconfig = directory + "/kubeconfig"
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--listen", "127.0.0.1:0", "--write-kubeconfig", kubeconfig,
                             "--node", "bench-node,cpu=4000,memory=16000Gi,pods=5000",
                             "--watch-history", "200000", "--write-log", "400000"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: kubeconfig) {
            guard process.isRunning, Date() < deadline else { throw BenchError("kubesim did not write \(kubeconfig)") }
            Thread.sleep(forTimeInterval: 0.02)
        }
        Thread.sleep(forTimeInterval: 0.2)  // the file is written before the listener settles on slow machines
    }

    /// A client of this server at `qps`/`burst` requests per second (the controller's `--kube-qps/--kube-burst`).
    func client(qps: Double, burst: Int) throws -> KubeClient {
        let config = try ClusterConfig.load(kubeconfigPaths: [kubeconfig], environment: [:])
        return try KubeClient(config: config, rateLimiter: RateLimiter(qps: qps, burst: burst))
    }

    /// KubeSim's peak resident memory (VmHWM), in bytes.
    var peakRSS: Int { Memory.status(pid: process.processIdentifier, "VmHWM") }

    /// CPU seconds KubeSim used so far.
    var cpuSeconds: Double { Memory.cpuSeconds(pid: process.processIdentifier) }

    /// How many times each pod name was created, from KubeSim's write log (`GET /kubesim/writes`).
    func podCreates(_ client: KubeClient) throws -> [String: Int] {
        let body = try blocking { try await client.request(method: "GET", path: "/kubesim/writes").body }
        let rows = try JSONValue.parse(body)["items"]?.arrayValue ?? []
        var creates: [String: Int] = [:]
        for row in rows where row["verb"]?.stringValue == "create" && row["resource"]?.stringValue == "pods" {
            creates[row["name"]?.stringValue ?? "", default: 0] += 1
        }
        return creates
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
