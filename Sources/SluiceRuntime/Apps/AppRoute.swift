#if os(Linux)
import SluiceModel

/// Where the gateway sends one request for one app: the healthy replicas in round-robin order (during a rolling
/// update those of the old spec too), and the app's spec (timeouts, `public`).
public struct AppRoute: Sendable {
    private let supervisor: AppSupervisor
    private let retiring: AppSupervisor?

    init(_ supervisor: AppSupervisor, retiring: AppSupervisor? = nil) {
        self.supervisor = supervisor
        self.retiring = retiring
    }

    public var spec: AppSpec { supervisor.spec }

    /// The healthy replicas, the next in turn first.
    public func healthyReplicas() -> [AppReplicaTarget] {
        var all = supervisor.healthyReplicas().map { AppReplicaTarget(index: $0.index, port: $0.port, supervisor: supervisor) }
        if let retiring {
            all += retiring.healthyReplicas().map { AppReplicaTarget(index: $0.index, port: $0.port, supervisor: retiring) }
        }
        guard !all.isEmpty else { return [] }
        let start = supervisor.turn() % all.count
        return Array(all[start...] + all[..<start])
    }

    /// The healthy replicas' loopback ports (the round-robin turn stays where it is).
    public func healthyPortSet() -> Set<Int> { supervisor.healthyPortSet().union(retiring?.healthyPortSet() ?? []) }

    /// Requests the gateway has open to the app's replicas now (those of the old spec too, during an update).
    public var openRequests: Int { supervisor.openRequests + (retiring?.openRequests ?? 0) }

    /// Counts a request open (+1) or done (-1) at replica `index` of the current spec.
    public func track(_ index: Int, _ delta: Int) { supervisor.track(index, delta) }

    /// Starts a replica of an app that scales to zero and has none; true when the app scales to zero.
    public func wake() -> Bool { supervisor.wake() }
}

/// One replica a request may go to.
public struct AppReplicaTarget: Sendable {
    let index: Int
    /// Its loopback port.
    public let port: Int
    let supervisor: AppSupervisor

    /// Counts a request open (+1) or done (-1) here (autoscaling and scale to zero read the counts).
    public func track(_ delta: Int) { supervisor.track(index, delta) }
}
#endif
