import Foundation
import SluiceKube
import Synchronization

/// Leader election on a Lease (`--lease-name`, `--identity`): only the holder drives runs; a standby serves the
/// API and takes over when the holder stops renewing.
public final class KubeLeadership: Leadership, Sendable {
    public let client: KubeClient
    public let config: LeaderElector.Config
    private let seen = Mutex("")
    private let elector = Mutex<LeaderElector?>(nil)

    public init(client: KubeClient, namespace: String, name: String, identity: String,
                leaseDuration: Duration = .seconds(15), renewDeadline: Duration = .seconds(10), retryPeriod: Duration = .seconds(2),
                releaseOnCancel: Bool = true) {
        self.client = client
        var c = LeaderElector.Config(namespace: namespace, name: name, identity: identity)
        c.leaseDuration = leaseDuration
        c.renewDeadline = renewDeadline
        c.retryPeriod = retryPeriod
        c.releaseOnCancel = releaseOnCancel
        config = c
    }

    /// Refuses durations that would let two candidates lead at once.
    public func check() throws {
        _ = try LeaderElector(client: client, config: config, callbacks: .init(startedLeading: {}))
    }

    public var isLeader: Bool { elector.withLock { $0 }?.isLeader ?? false }
    public var leader: String { seen.withLock { $0 } }

    public func run(lead: @escaping @Sendable () -> Void, lost: @escaping @Sendable () -> Void) async {
        let callbacks = LeaderElector.Callbacks(
            startedLeading: {
                lead()
                // Leads until cancelled (the elector cancels this when a renewal fails for too long).
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            },
            // Cancelled (the server stops) is not lost: the lease was given up on purpose.
            stoppedLeading: { if !Task.isCancelled { lost() } },
            newLeader: { [weak self] holder in self?.seen.withLock { $0 = holder } })
        guard let e = try? LeaderElector(client: client, config: config, callbacks: callbacks) else { return }
        elector.withLock { $0 = e }
        await e.run()
    }
}
