import Synchronization

/// A token bucket like client-go's: `qps` tokens a second, at most `burst` saved up. Every request
/// (and every retry of one) takes a token, waiting for it when the bucket is empty.
public final class RateLimiter: Sendable {
    public let qps: Double
    public let burst: Int
    private struct Bucket {
        var granted = 0
        var tokens: Double
        var last: Duration
    }
    private let bucket: Mutex<Bucket>
    private let clock: KubeClock

    /// client-go's own defaults are 5/10; Sluice drives many pods, so ours are 50/100. Tokens come back
    /// and waits pass on `clock`.
    public init(qps: Double = 50, burst: Int = 100, clock: KubeClock = .system) {
        self.qps = qps
        self.burst = max(1, burst)
        self.clock = clock
        bucket = Mutex(Bucket(tokens: Double(max(1, burst)), last: clock.now))
    }

    /// How long the caller must wait for its token (the token is taken now, so waits queue up fairly).
    /// `now` is a reading of the limiter's clock.
    func reserve(now: Duration? = nil) -> Duration {
        guard qps > 0 else { return .zero }
        let now = now ?? clock.now
        return bucket.withLock { b in
            let elapsed = max(.zero, now - b.last)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            b.tokens = min(Double(burst), b.tokens + seconds * qps)
            b.last = now
            b.tokens -= 1
            b.granted += 1
            if b.tokens >= 0 { return .zero }
            return .nanoseconds(Int64((-b.tokens / qps) * 1e9))
        }
    }

    /// Tokens handed out so far (one per request attempt).
    public var granted: Int { bucket.withLock { $0.granted } }

    /// Waits for a token.
    public func acquire() async throws {
        let wait = reserve()
        if wait > .zero { try await clock.sleep(for: wait) }
    }
}
