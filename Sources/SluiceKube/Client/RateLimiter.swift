import Synchronization

/// A token bucket like client-go's: `qps` tokens a second, at most `burst` saved up. Every request
/// (and every retry of one) takes a token, waiting for it when the bucket is empty.
public final class RateLimiter: Sendable {
    public let qps: Double
    public let burst: Int
    private struct Bucket {
        var granted = 0
        var tokens: Double
        var last: ContinuousClock.Instant
    }
    private let bucket: Mutex<Bucket>

    /// client-go's own defaults are 5/10; Sluice drives many pods, so ours are 50/100.
    public init(qps: Double = 50, burst: Int = 100) {
        self.qps = qps
        self.burst = max(1, burst)
        bucket = Mutex(Bucket(tokens: Double(max(1, burst)), last: .now))
    }

    /// How long the caller must wait for its token (the token is taken now, so waits queue up fairly).
    func reserve(now: ContinuousClock.Instant = .now) -> Duration {
        guard qps > 0 else { return .zero }
        return bucket.withLock { b in
            let elapsed = now - b.last
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
        if wait > .zero { try await Task.sleep(for: wait) }
    }
}
