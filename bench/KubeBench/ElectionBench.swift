import Foundation
import KubeSim
import SluiceKube

/// Leader hand-over on the real clock, through KubeSim: the figure the unit tests read on a manual clock.
enum ElectionBench {
    /// Two candidates (lease 2 s, renew 1.5 s, retry 0.25 s); the leader crashes (no release, or with
    /// `release` gives the lease up); seconds until the other leads.
    static func handover(release: Bool) async throws -> Double {
        let sim = try await KubeSim.start(KubeSimOptions())
        let client = KubeClient(server: sim.baseURL, rateLimiter: RateLimiter(qps: 0, burst: 1))
        var electors: [LeaderElector] = []
        var tasks: [Task<Void, Never>] = []
        for who in ["a", "b"] {
            var config = LeaderElector.Config(namespace: "default", name: "bench", identity: who)
            config.leaseDuration = .seconds(2)
            config.renewDeadline = .milliseconds(1500)
            config.retryPeriod = .milliseconds(250)
            config.releaseOnCancel = release
            let elector = try LeaderElector(client: client, config: config, callbacks: .init(startedLeading: {}))
            electors.append(elector)
            tasks.append(Task { await elector.run() })
        }
        while !electors.contains(where: \.isLeader) { try await Task.sleep(for: .milliseconds(2)) }
        let first = electors.firstIndex(where: \.isLeader)!
        let other = electors[1 - first]
        tasks[first].cancel()
        await tasks[first].value
        let start = ContinuousClock.now
        while !other.isLeader { try await Task.sleep(for: .milliseconds(2)) }
        let elapsed = (ContinuousClock.now - start).seconds
        tasks[1 - first].cancel()
        await tasks[1 - first].value
        await sim.stop()
        return elapsed
    }
}
