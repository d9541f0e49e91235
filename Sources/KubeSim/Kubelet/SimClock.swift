import Foundation
import SluiceKube

/// Where the simulated kubelet and controllers read the time; tests pass a manual clock and call
/// `reconcile(now:)` themselves, so stage timing is driven without sleeping.
public protocol SimClock: Sendable {
    func now() -> Date
    /// Returns at `deadline` or when the task is cancelled (then it throws).
    func sleep(until deadline: Date) async throws
}

/// The wall clock.
public struct SystemSimClock: SimClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        if seconds > 0 { try await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up)))) }
    }
}

/// Kubernetes time fields: RFC 3339 at second precision in UTC (`2026-11-25T19:00:00Z`).
public enum KubeTime {
    public static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    public static func parse(_ text: String) -> Date? {
        try? Date(text, strategy: .iso8601)
    }

    /// The JSON value of a time field.
    public static func json(_ date: Date) -> JSONValue { .string(format(date)) }
}
