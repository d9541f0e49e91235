import Foundation
import Testing

@testable import SluiceRuntime

/// Spawn-to-exit-observed latency of `/bin/true`; run with SLUICE_LOCAL_BENCH=1 (prints the figures).
@Suite("LocalRunner: latency", .enabled(if: ProcessInfo.processInfo.environment["SLUICE_LOCAL_BENCH"] != nil))
struct LocalRunnerLatencyTests {
    @Test func binTrueExitIsObservedQuickly() async throws {
        let root = FileManager.default.temporaryDirectory.path + "/sluice-local-bench-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let runner = try LocalRunner(root: root)
        var iterator = runner.observations.makeAsyncIterator()
        let clock = ContinuousClock()
        var samples: [Duration] = []
        var exitToObserved: [Double] = []  // seconds from the supervisor's end time to our seeing it
        for attempt in 1...200 {
            let launch = AttemptLaunch(runID: "bench", nodeID: "true", attempt: attempt, command: ["/bin/true"])
            let began = clock.now
            let handle = try runner.start(launch)
            while let observation = await iterator.next() {
                if case .exited(handle, let result) = observation {
                    exitToObserved.append(Date().timeIntervalSince(result.finishedAt))
                    #expect(result.exitCode == 0)
                    break
                }
            }
            samples.append(clock.now - began)
        }
        samples.sort()
        let median = samples[samples.count / 2], p90 = samples[samples.count * 9 / 10]
        exitToObserved.sort()
        print("sluice local: /bin/true start-to-exit-observed over 200 runs: median \(median), p90 \(p90), max \(samples.last!)")
        print("sluice local: task exit to exit observed: median \(exitToObserved[100] * 1000) ms, p90 \(exitToObserved[180] * 1000) ms")
    }
}
