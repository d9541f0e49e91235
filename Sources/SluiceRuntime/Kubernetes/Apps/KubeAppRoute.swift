import SluiceModel

/// The gateway's route to an app on Kubernetes: its Service (the cluster spreads requests over ready pods).
struct KubeAppRoute: AppRouting {
    let spec: AppSpec
    let address: AppAddress
    let anyReady: @Sendable () -> Bool

    func upstreams() -> [AppUpstream] { anyReady() ? [AppUpstream(address: address)] : [] }
    func liveAddresses() -> Set<AppAddress> { anyReady() ? [address] : [] }
    func wake() -> Bool { false }
}
