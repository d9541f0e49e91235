#if os(Linux)
import SluiceModel

/// The local runtime behind the backend-neutral seam: replicas are loopback ports, logs are files.
extension AppRuntime: AppBackend {
    public nonisolated func routing(_ name: String) -> (any AppRouting)? { route(name) }

    public nonisolated func replicaLog(_ name: String, replica: Int) async throws(AppRuntimeError) -> AppLogSource {
        .file(logPath(name, replica: replica))
    }
}

extension AppRoute: AppRouting {
    public func upstreams() -> [AppUpstream] {
        healthyReplicas().map { target in AppUpstream(address: .loopback(target.port), track: { target.track($0) }) }
    }

    public func liveAddresses() -> Set<AppAddress> { Set(healthyPortSet().map(AppAddress.loopback)) }
}
#endif
