/// A Prometheus histogram: cumulative bucket counts, a sum and a count.
struct Histogram: Sendable {
    /// Upper bounds in seconds, ascending; `+Inf` is implied.
    let bounds: [Double]
    private(set) var counts: [UInt64]
    private(set) var sum = 0.0
    private(set) var count: UInt64 = 0

    /// The buckets of attempt durations and step latencies: 10 ms to 10 minutes.
    static let seconds: [Double] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]

    init(bounds: [Double] = Histogram.seconds) {
        self.bounds = bounds
        counts = Array(repeating: 0, count: bounds.count)
    }

    mutating func observe(_ value: Double) {
        let v = max(0, value)
        for (i, b) in bounds.enumerated() where v <= b { counts[i] += 1 }
        sum += v
        count += 1
    }
}
