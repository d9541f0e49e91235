import Foundation

/// When a failed replica is started again: 1 s after the first failure, doubling up to 5 min; a replica that
/// stayed healthy for 10 min starts counting from one again. Failing `crashLoopAfter` times in a row without
/// that reset makes it `crash-loop` (it is still restarted, at the capped pace).
public struct RestartBackoff: Sendable, Equatable {
    public var initial: Double = 1
    public var maximum: Double = 300
    public var resetAfterHealthy: Double = 600
    public var crashLoopAfter = 3

    public init() {}

    /// The failures in a row counting this one: `previous + 1`, or 1 when the replica was healthy for
    /// `resetAfterHealthy` before it failed.
    public func failures(previous: Int, healthyFor: Double?) -> Int {
        if let healthyFor, healthyFor >= resetAfterHealthy { return 1 }
        return previous + 1
    }

    /// The wait before the next start after `failures` failures in a row (1-based).
    public func delay(failures: Int) -> Double {
        guard failures > 0 else { return 0 }
        let exponent = min(failures - 1, 30)
        return min(maximum, initial * pow(2, Double(exponent)))
    }

    /// Whether `failures` in a row count as a crash loop.
    public func isCrashLoop(failures: Int) -> Bool { failures >= crashLoopAfter }
}
