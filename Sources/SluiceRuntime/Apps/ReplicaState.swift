import Foundation

/// What the runtime knows of one replica now.
struct ReplicaState: Sendable {
    enum Phase: String, Sendable {
        case starting, healthy, restarting, crashLoop = "crash-loop", stopped
    }

    var index: Int
    var phase: Phase = .starting
    var pid: Int32?
    /// Its container (short id) on the container backend.
    var container: String?
    var port: Int?
    var restarts = 0
    var failuresInARow = 0
    var lastExit: String?
    var healthySince: Date?
    /// Requests the gateway has open to this replica.
    var inFlight = 0
    /// Being replaced by a rolling update: routed to no more, stopped once its open requests are done.
    var draining = false

    /// Whether the gateway may send it requests.
    var routable: Bool { phase == .healthy && port != nil && !draining }
}
