import SluiceModel

/// The gateway's route to an app on Kubernetes: its Service (the cluster spreads requests over ready pods). Its
/// requests are counted for the app's scaling; an app scaled to zero is woken by the leader's gateway.
struct KubeAppRoute: AppRouting {
    let spec: AppSpec
    let address: AppAddress
    let scaling: KubeAppScaling
    let anyReady: @Sendable () -> Bool
    /// Whether this server scales apps now (it leads, when servers elect a leader).
    let leads: @Sendable () -> Bool
    /// Writes one replica for an app at zero (nothing when it runs some already).
    let wakeUp: @Sendable () async -> Void

    func upstreams() -> [AppUpstream] {
        anyReady() ? [AppUpstream(address: address, track: { [scaling] in scaling.track($0) })] : []
    }

    func liveAddresses() -> Set<AppAddress> { anyReady() ? [address] : [] }

    /// Concurrent first requests share one wake: only the first writes, the others wait for its pod.
    func wake() -> Bool {
        guard spec.replicas.min == 0, leads() else { return false }
        if scaling.beginWake() {
            let (scaling, wakeUp) = (scaling, wakeUp)
            Task.detached {
                await wakeUp()
                scaling.endWake()
            }
        }
        return true
    }

    /// Holds the request until a pod of the app is ready or its startup grace passes on the apps' clock.
    func awaitUpstreams() async throws -> [AppUpstream] {
        _ = await scaling.waitReady(grace: spec.startupGrace.seconds, ready: anyReady)
        return upstreams()
    }
}
