import Foundation
import SluiceModel

/// Autoscaling on `replicas.target_concurrency`: fed a sample of the requests open per replica now and then, it
/// says when to add a replica (every sample above the target for `upAfter`) or remove one (every sample below
/// half of it for `downAfter`), always within `min`...`max`. A decision starts the next window afresh.
public struct ConcurrencyScaler: Sendable {
    public let target: Int
    public let min: Int
    public let max: Int
    /// Seconds above target before a replica is added.
    public var upAfter: Double = 10
    /// Seconds below half the target before a replica is removed.
    public var downAfter: Double = 60

    private var aboveSince: Date?
    private var belowSince: Date?

    /// nil when the policy has no target or no room to scale (`min == max`).
    public init?(_ policy: ReplicaPolicy) {
        guard let target = policy.targetConcurrency, policy.max > policy.min else { return nil }
        self.target = target
        // Scale to zero is the idle reaper's: under load there is always at least one replica.
        self.min = Swift.max(policy.min, 1)
        self.max = policy.max
    }

    /// The replica count to run after a sample at `now` of `open` requests over `replicas` replicas; nil to keep it.
    /// An app at no replicas is left to scale to zero (its first request wakes it).
    public mutating func sample(now: Date, open: Int, replicas: Int) -> Int? {
        guard replicas > 0 else {
            aboveSince = nil
            belowSince = nil
            return nil
        }
        let perReplica = Double(open) / Double(replicas)
        if perReplica > Double(target) {
            belowSince = nil
            guard replicas < max else { aboveSince = nil; return nil }
            let since = aboveSince ?? now
            aboveSince = since
            guard now.timeIntervalSince(since) >= upAfter else { return nil }
            aboveSince = nil
            return replicas + 1
        }
        aboveSince = nil
        if perReplica < Double(target) / 2 {
            guard replicas > min else { belowSince = nil; return nil }
            let since = belowSince ?? now
            belowSince = since
            guard now.timeIntervalSince(since) >= downAfter else { return nil }
            belowSince = nil
            return replicas - 1
        }
        belowSince = nil
        return nil
    }
}
