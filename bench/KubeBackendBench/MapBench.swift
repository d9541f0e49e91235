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
        /// The controller asked for the last attempt (`start`), from submit.
        var allStarted: Double = 0
        /// How far behind the token bucket's schedule the creates went out (s): p50 and max.
        var lagP50: Double = 0
        var lagMax: Double = 0
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
        /// CPU seconds during the run: this process (the controller) and KubeSim's.
        var cpu: Double = 0
        var simCPU: Double = 0
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

    /// `deleteAfter`: the backend's `--pod-delete-after` (nil: its default, 10 minutes, so no pod is deleted
    /// during the run).
    static func run(items: Int, qps: Double, burst: Int, kubeQPS: Double, kubeBurst: Int, deleteAfter: Duration?,
                    kubesim: String) throws -> Result {
        let setup = try BenchSetup(kubesim: kubesim, kubeQPS: kubeQPS, kubeBurst: kubeBurst) { s in
            s.podCreateQPS = qps
            s.podCreateBurst = burst
            s.maxPods = items
            s.maxPodsPerRun = items
            if let deleteAfter { s.deleteAfter = deleteAfter }
        }
        defer { setup.stop() }
        let fan = try flow()
        var r = Result(items: items, baselineRSS: setup.baselineRSS)
        let sampler = Memory.Sampler()
        let cpuBefore = Memory.cpuSeconds(), simCPUBefore = setup.sim.cpuSeconds
        let begun = ContinuousClock.now
        _ = try setup.run(fan, inputs: ["items": .list((0..<items).map { .int($0) })])
        r.runSeconds = milliseconds(ContinuousClock.now - begun) / 1000
        r.sampledRSS = sampler.stop()
        r.cpu = Memory.cpuSeconds() - cpuBefore
        r.simCPU = setup.sim.cpuSeconds - simCPUBefore
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
        r.allStarted = setup.timeline.all(.started).values.max().map { milliseconds($0 - begun) / 1000 } ?? .nan
        // The bucket lets the first `burst` go at once, then one every 1/qps.
        let lags = sends.enumerated().map { i, t in
            milliseconds(t - first) / 1000 - Double(max(0, i - burst + 1)) / qps
        }
        r.lagP50 = percentile(lags, 0.5)
        r.lagMax = percentile(lags, 1)
        // After the memory readings: the write log is large and would count as the controller's.
        let creates = try setup.sim.podCreates(setup.client)
        r.creates = creates.values.reduce(0, +)
        r.uniquePods = creates.count
        return r
    }
}
