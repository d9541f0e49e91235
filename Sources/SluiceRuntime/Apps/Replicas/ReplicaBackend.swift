#if os(Linux)
import Foundation
import SluiceModel

/// What runs an app's replicas: a child process each (`ProcessReplicas`) or a container each
/// (`ContainerReplicas`). The supervisor keeps restart, health and routing the same on both.
protocol ReplicaBackend: Sendable {
    /// Why this backend cannot run `spec` as written (a field it cannot honour), or nil.
    func refusal(_ spec: AppSpec) -> String?
    /// Starts one replica; throws a sentence naming what could not start (the program, the image).
    func start(_ replica: ReplicaStart) async throws(AppRuntimeError) -> any ReplicaHandle
    /// Ends the replicas a server that died without stopping them left behind (`directory`: `<store>/apps`).
    func removeLeftovers(under directory: String) async
}

/// One replica to start: which app, which of its replicas, and where its log goes.
struct ReplicaStart: Sendable {
    var spec: AppSpec
    var index: Int
    /// The supervisor's generation (a rolling update runs two side by side).
    var generation: Int
    /// The loopback port of this host the gateway and the health checks reach the replica on.
    var port: Int
    /// `<store>/apps/NAME/replica-N.log`, appended to by every run of the replica.
    var logPath: String
    /// `<store>/apps/NAME`.
    var folder: String
}

/// One running replica, whatever runs it.
protocol ReplicaHandle: Sendable {
    /// Its process id (local replicas).
    var pid: Int32? { get }
    /// Its container id, short form (container replicas).
    var container: String? { get }
    /// Whether its end is known.
    var hasExited: Bool { get }
    /// Whether it has stopped by itself, asking what runs it (an engine notices a container's exit only later):
    /// a replica that failed its checks because it died is reported with its exit, not the failed checks.
    func hasStopped() async -> Bool
    /// Returns once it has ended (and what it leaves, a container, is gone).
    func waitForExit() async -> ReplicaExit
    /// SIGTERM now, SIGKILL once `grace` seconds pass; returns at once.
    func stop(grace: Double)
    /// SIGKILL now; returns at once.
    func kill()
}

/// Where an app runtime runs replicas: local processes (the default), or containers of the container backend.
public struct AppReplicaBackend: Sendable {
    let backend: any ReplicaBackend
    /// `local` or `container`, as the docs and errors name it.
    public let name: String

    /// Each replica a child process of the server on a free loopback port; an app with secrets is refused (there
    /// is no secret source: see `processes(secrets:)`).
    public static let processes = AppReplicaBackend(backend: ProcessReplicas(secrets: nil), name: "local")

    /// Each replica a child process of the server on a free loopback port, given its secrets from `secrets` as the
    /// local task backend gives them (variables).
    public static func processes(secrets: LocalSecrets) -> AppReplicaBackend {
        AppReplicaBackend(backend: ProcessReplicas(secrets: secrets), name: "local")
    }

    /// What replicas a server whose attempts run on `backend` runs (plugins wrapped around it or not): containers
    /// on the container backend, local processes with the local backend's secrets on the local backend, nil (local
    /// processes without secrets, the default) on the others.
    public static func matching(_ backend: (any AttemptBackend)?) -> AppReplicaBackend? {
        let inner = (backend as? PluginBackend)?.inner ?? backend
        if let containers = inner as? ContainerBackend { return .containers(containers) }
        if let local = inner as? LocalBackend { return .processes(secrets: local.secrets) }
        return nil
    }

    /// Each replica a container of the app's image through `containers`' engine, labelled with its store, given
    /// its secrets from the container backend's secret folder as its task containers are.
    public static func containers(_ containers: ContainerBackend) -> AppReplicaBackend {
        AppReplicaBackend(backend: ContainerReplicas(client: containers.client, store: containers.storeID, images: containers.images,
                                                     secrets: containers.secrets),
                          name: "container")
    }
}
#endif
