import ServiceLifecycle
import SluiceKube

/// Everything that makes stored objects live, as one service for a `ServiceGroup`: the simulated
/// kubelet, the deployment, ReplicaSet, endpoints and job controllers, all on one store.
public struct ClusterControllers: Service {
    public let kubelet: Kubelet
    public let deployments: DeploymentController
    public let endpoints: EndpointsController
    public let jobs: JobController
    public let replicaSets: ReplicaSetController

    public init(store: ObjectStore, clock: SimClock = SystemSimClock(), kubelet options: Kubelet.Options = Kubelet.Options()) {
        kubelet = Kubelet(store: store, clock: clock, options: options)
        deployments = DeploymentController(store: store, clock: clock)
        endpoints = EndpointsController(store: store)
        jobs = JobController(store: store, clock: clock)
        replicaSets = ReplicaSetController(store: store, clock: clock)
    }

    /// What the `pods/log` route reads.
    public var logs: PodLogBook { kubelet.logs }

    /// Runs until cancelled (graceful shutdown cancels it); stops every process the kubelet started.
    public func run() async throws {
        let (kubelet, deployments, endpoints, jobs, replicaSets) = (self.kubelet, self.deployments, self.endpoints, self.jobs, self.replicaSets)
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await kubelet.run() }
                group.addTask { try await deployments.run() }
                group.addTask { try await endpoints.run() }
                group.addTask { try await jobs.run() }
                group.addTask { try await replicaSets.run() }
                try await group.waitForAll()
            }
        }
    }
}
