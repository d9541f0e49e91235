import Foundation

/// The app runtime's time: health-check intervals, restart backoff and startup grace are measured on it, so
/// tests can pass a clock of their own instead of waiting out real minutes.
public protocol AppClock: Sendable {
    func now() -> Date
    /// Suspends for `seconds`; throws `CancellationError` when the task is cancelled.
    func sleep(seconds: Double) async throws
}

/// Wall-clock time.
public struct SystemAppClock: AppClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(seconds: Double) async throws {
        try await Task.sleep(nanoseconds: UInt64(min(max(0, seconds), 86_400 * 366) * 1_000_000_000))
    }
}
