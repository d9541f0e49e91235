import Foundation
import SluiceEngine
import SluiceModel
import SluiceRuntime

/// A `items`-way map of zero-delay pods at a pod-creation rate: how long until every create request was
/// sent, the rate achieved, duplicate creates (KubeSim's write log), the run's wall time, and memory.
enum MapBench {
    struct Result {
        var items: Int
        var firstSend: Double = 0
        var allSent: Double = 0
        var lastEnd: Double = 0
        var runSeconds: Double = 0
        var ratePerSecond: Double = 0
        var creates = 0
        var uniquePods = 0
        var baselineRSS = 0
        var peakRSS = 0
        var sampledRSS = 0
        var simPeakRSS = 0
        var peakAlive = 0
    }

    static func flow() throws -> CompiledFlow {
        try compile("""
            name: fan
            inputs: {items: list<int>}
            tasks:
              t:
                image: busybox
                command: ["true"]
                inputs: {i: int}
                \(zeroDelay)
            nodes:
              - {id: each, map: {over: inputs.items, as: x, task: t, inputs: {i: x}}}
            """)
    }

    static func run(items: Int, qps: Double, burst: Int, kubeQPS: Double, kubeBurst: Int, kubesim: String) throws -> Result {
        let setup = try BenchSetup(kubesim: kubesim, kubeQPS: kubeQPS, kubeBurst: kubeBurst) { s in
            s.podCreateQPS = qps
            s.podCreateBurst = burst
            s.maxPods = items
            s.maxPodsPerRun = items
        }
        defer { setup.stop() }
        let fan = try flow()
        var r = Result(items: items, baselineRSS: setup.baselineRSS)
        let sampler = Memory.Sampler()
        let begun = ContinuousClock.now
        _ = try setup.run(fan, inputs: ["items": .list((0..<items).map { .int($0) })])
        r.runSeconds = milliseconds(ContinuousClock.now - begun) / 1000
        r.sampledRSS = sampler.stop()
        r.peakRSS = Memory.status("VmHWM")
        r.simPeakRSS = setup.sim.peakRSS
        r.peakAlive = setup.backend.peakAlive
        let sends = setup.timeline.all(.createSending).values.sorted()
        let ends = setup.timeline.all(.podEnded).values.sorted()
        guard sends.count == items, let first = sends.first, let last = sends.last, let lastEnd = ends.last else {
            throw BenchError("\(sends.count) pod creates traced, expected \(items)")
        }
        r.firstSend = milliseconds(first - begun) / 1000
        r.allSent = milliseconds(last - begun) / 1000
        r.lastEnd = milliseconds(lastEnd - begun) / 1000
        r.ratePerSecond = Double(items - 1) / (milliseconds(last - first) / 1000)
        // After the memory readings: the write log is large and would count as the controller's.
        let creates = try setup.sim.podCreates(setup.client)
        r.creates = creates.values.reduce(0, +)
        r.uniquePods = creates.count
        return r
    }
}
