import Foundation
import SluiceCompiler
import SluiceKube
import SluiceModel
import SluiceRuntime

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

final class ResultBox<T>: @unchecked Sendable { var result: Result<T, Error>? }

/// Runs async work to its end from synchronous code (the benchmark's main thread).
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try box.result!.get()
}

func milliseconds(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }

func percentile(_ xs: [Double], _ p: Double) -> Double {
    guard !xs.isEmpty else { return .nan }
    let s = xs.sorted()
    return s[min(s.count - 1, Int((Double(s.count - 1) * p).rounded()))]
}

/// The scripted kubelet's annotations that make a pod start and end at once (PodScript: start-delay
/// defaults to 50 ms, run-duration to 200 ms).
let zeroDelay = #"annotations: {"kubesim.sluice.dev/start-delay": "0ms", "kubesim.sluice.dev/run-duration": "0ms"}"#

func compile(_ text: String) throws -> CompiledFlow {
    let r = FlowCompiler.compile(text, file: "bench.yaml")
    guard let f = r.flow else { throw BenchError("\(r.diagnostics)") }
    return f
}

/// A KubeSim process, a store on tmpfs, and a controller on the Kubernetes backend (wrapped in a stopwatch).
final class BenchSetup: @unchecked Sendable {
    let sim: SimProcess
    let directory: String
    let client: KubeClient
    let backend: KubernetesBackend
    let controller: Controller
    let timeline = Timeline()
    /// This process's resident memory before the controller existed (the benchmark's own baseline).
    let baselineRSS: Int

    /// `tune` adjusts the backend's settings (limits, pod-creation rate); `kubeQPS`/`kubeBurst` are the API
    /// client's (`--kube-qps`, `--kube-burst`).
    init(kubesim: String, kubeQPS: Double, kubeBurst: Int, tune: (inout KubernetesSettings) -> Void) throws {
        let root = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm/" : NSTemporaryDirectory()
        directory = root + "sluice-kube-backend-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        sim = try SimProcess(binary: kubesim, directory: directory)
        client = try sim.client(qps: kubeQPS, burst: kubeBurst)
        baselineRSS = Memory.status("VmRSS")
        var settings = KubernetesSettings(pod: KubePodSettings(namespace: "default"))
        tune(&settings)
        backend = KubernetesBackend(client: client, settings: settings, root: directory + "/store/attempts")
        controller = try Controller(directory: directory + "/store", backend: TracedBackend(backend, timeline: timeline))
        controller.onStep = { [timeline] _, _, _ in timeline.committed() }
        controller.start()
    }

    /// Submits and drives `flow` to its end; the run's id. A run that does not succeed is an error.
    func run(_ flow: CompiledFlow, inputs: [String: LiteralValue] = [:]) throws -> String {
        let id = try controller.submit(flow: flow, inputs: inputs)
        controller.drive(id)
        let final = try controller.waitForEnd(id)
        guard final.header.phase == .succeeded else {
            let failures = final.nodes.compactMap { id, n in n.failure.map { "\(id): \($0.message)" } }.prefix(3)
            throw BenchError("run \(id) ended \(final.header.phase): \(failures.joined(separator: "; "))")
        }
        return id
    }

    func stop() {
        backend.shutdown()
        controller.stop()
        sim.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
