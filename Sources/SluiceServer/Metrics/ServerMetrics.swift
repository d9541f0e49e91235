import Foundation
import SluiceEngine

/// What the server measures as its drivers step: node transitions, attempt durations, and the latency from one
/// node's end to the next node's start. Gauges (runs by state, queue depth) are read from the store when scraped.
public final class ServerMetrics: @unchecked Sendable {
    private let lock = NSLock()
    // Guarded by `lock`.
    private var transitions: [String: UInt64] = [:]
    private var attemptDurations = Histogram()
    private var stepLatencies = Histogram()
    /// Per run: when its last node ended (ms), for step-to-step latency.
    private var lastNodeEnd: [String: Int64] = [:]
    /// Failed API requests by status and error code.
    private var failures: [Failure: UInt64] = [:]

    /// One label set of `sluice_api_errors_total`.
    struct Failure: Hashable, Comparable {
        var status: Int
        var code: String

        static func < (a: Failure, b: Failure) -> Bool { (a.status, a.code) < (b.status, b.code) }
    }

    public init() {}

    /// Records the events one durable step of run `runID` added (hooked to `RunDriver.onStep`).
    public func record(runID: String, state: SluiceEngine.RunState, events: [RunEvent]) {
        lock.lock()
        defer { lock.unlock() }
        for e in events {
            switch e.kind {
            case let kind where kind.hasPrefix("node-"):
                // The engine reports a node's arrival at an end state (succeeded, failed, skipped, ...).
                transitions[String(kind.dropFirst("node-".count)), default: 0] += 1
                lastNodeEnd[runID] = e.at.milliseconds
            case "attempt-started" where e.attempt == 1:
                // A task node starts when its first attempt's process does.
                if let end = lastNodeEnd[runID] { stepLatencies.observe(Double(e.at.milliseconds - end) / 1000) }
            case "attempt-exited":
                guard let node = e.node, let number = e.attempt,
                      let a = state.nodes[node]?.attempts.last(where: { $0.number == number }),
                      let start = a.startedAt, let end = a.finishedAt else { continue }
                attemptDurations.observe(Double(end.milliseconds - start.milliseconds) / 1000)
            default:
                continue
            }
        }
        if state.header.phase.isFinal { lastNodeEnd[runID] = nil }
    }

    /// Counts one request the API answered with an error (or a streamed body that failed).
    public func recordFailure(status: Int, code: String) {
        lock.withLock { failures[Failure(status: status, code: code), default: 0] += 1 }
    }

    /// A copy of the counters and histograms, for the exposition.
    func snapshot() -> (transitions: [String: UInt64], attempts: Histogram, steps: Histogram, failures: [Failure: UInt64]) {
        lock.lock()
        defer { lock.unlock() }
        return (transitions, attemptDurations, stepLatencies, failures)
    }
}
