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
        RFC3339.format(date, fractionDigits: 0)
    }

    /// RFC 3339 with nanoseconds, trailing zeros trimmed (Go's RFC3339Nano), as log timestamps are written.
    public static func formatNano(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let nanos = min(Int(((date.timeIntervalSince1970 - seconds) * 1e9).rounded()), 999_999_999)
        let whole = format(Date(timeIntervalSince1970: seconds))
        guard nanos > 0 else { return whole }
        var fraction = String(nanos).leftPadded(to: 9)
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return whole.dropLast() + "." + fraction + "Z"
    }

    public static func parse(_ text: String) -> Date? {
        RFC3339.parse(text)
    }

    /// The JSON value of a time field.
    public static func json(_ date: Date) -> JSONValue { .string(format(date)) }
}
