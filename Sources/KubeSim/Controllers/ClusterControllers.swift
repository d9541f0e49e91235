import ServiceLifecycle
import SluiceKube

/// Everything that makes stored objects live, as one service for a `ServiceGroup`: the simulated
/// kubelet, the deployment controller and the endpoints controller, all on one store.
public struct ClusterControllers: Service {
    public let kubelet: Kubelet
    public let deployments: DeploymentController
    public let endpoints: EndpointsController

    public init(store: ObjectStore, clock: SimClock = SystemSimClock(), kubelet options: Kubelet.Options = Kubelet.Options()) {
        kubelet = Kubelet(store: store, clock: clock, options: options)
        deployments = DeploymentController(store: store, clock: clock)
        endpoints = EndpointsController(store: store)
    }

    /// What the `pods/log` route reads.
    public var logs: PodLogBook { kubelet.logs }

    /// Runs until cancelled (graceful shutdown cancels it); stops every process the kubelet started.
    public func run() async throws {
        let (kubelet, deployments, endpoints) = (self.kubelet, self.deployments, self.endpoints)
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await kubelet.run() }
                group.addTask { try await deployments.run() }
                group.addTask { try await endpoints.run() }
                try await group.waitForAll()
            }
        }
    }
}
