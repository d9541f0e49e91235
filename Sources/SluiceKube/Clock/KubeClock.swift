import Foundation

/// The time as the client's waiting parts see it: retry pauses, the reflector's backoff, the leader
/// elector's periods, lease expiry and lease stamps. Real by default; tests pass a manual clock and move it.
///
/// Any Swift `Clock` measured in `Duration` fits; this box keeps the types that hold one non-generic.
public struct KubeClock: Sendable {
    private let elapsed: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void
    private let calendar: @Sendable () -> Date

    /// `clock` measures intervals and waits; `date` is the calendar time written into objects (a Lease's
    /// renewTime), and should move with `clock` when that is a manual one.
    public init<C: Clock>(_ clock: C, date: @escaping @Sendable () -> Date = { Date() }) where C.Duration == Duration {
        let start = clock.now
        elapsed = { start.duration(to: clock.now) }
        sleeper = { try await clock.sleep(for: $0) }
        calendar = date
    }

    /// `ContinuousClock` (it keeps counting while the machine sleeps) and the system's calendar time.
    public static let system = KubeClock(ContinuousClock())

    /// Time since this clock was made: only differences between readings mean anything.
    public var now: Duration { elapsed() }

    /// The calendar time.
    public var date: Date { calendar() }

    /// Returns once `duration` has passed on this clock; throws `CancellationError` when the task is cancelled first.
    public func sleep(for duration: Duration) async throws {
        try await sleeper(duration)
    }
}
