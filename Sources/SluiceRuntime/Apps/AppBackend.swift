import SluiceAPI
import SluiceModel

/// Where `sluice serve` keeps its apps: local replica processes (`AppRuntime`) or Deployments and Services on a
/// cluster (`KubernetesApps`). The API routes, the gateway and the deploy steps talk to this seam only; the desired
/// state (spec, replica count, running) is in the store either way.
public protocol AppBackend: Sendable {
    /// Brings back the apps the store records (after a server start).
    func restore() async throws(AppRuntimeError)
    /// Records the apps and makes them run with their spec's replica count; a changed spec rolls out.
    func deploy(_ specs: [AppSpec]) async throws(AppRuntimeError) -> [AppView]
    /// Runs `replicas` replicas of app `name` from now on.
    func scale(_ name: String, replicas: Int) async throws(AppRuntimeError) -> AppView
    /// Starts (`running`) or stops app `name`; a stopped app keeps its record.
    func setRunning(_ name: String, _ running: Bool) async throws(AppRuntimeError) -> AppView
    /// Stops app `name` and removes it.
    func delete(_ name: String) async throws(AppRuntimeError)
    /// App `name` as it is now.
    func view(_ name: String) async throws(AppRuntimeError) -> AppView
    /// Every deployed app, by name.
    func list() async throws(AppRuntimeError) -> [AppView]
    /// Where the gateway sends a request for app `name`: nil when no such app runs here.
    func routing(_ name: String) -> (any AppRouting)?
    /// Where the log of replica `replica` of app `name` is read from.
    func replicaLog(_ name: String, replica: Int) async throws(AppRuntimeError) -> AppLogSource
    /// Ends what this server runs for its apps (the store keeps the desired state).
    func shutdown() async
    /// How long a deploy of `spec` may take to become healthy, in seconds (a deploy step's wait).
    func deployBudget(_ spec: AppSpec) -> Double
}

extension AppBackend {
    /// Its startup grace per `replicas.min` replica plus one health interval.
    public func deployBudget(_ spec: AppSpec) -> Double {
        spec.startupGrace.seconds * Double(max(1, spec.replicas.min)) + spec.health.interval.seconds
    }
}

/// A host and port the gateway connects to.
public struct AppAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// A local replica's loopback port.
    public static func loopback(_ port: Int) -> AppAddress { AppAddress(host: "127.0.0.1", port: port) }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// One place a request may go: a local replica, or a cluster Service in front of the app's ready pods.
public struct AppUpstream: Sendable {
    public let address: AppAddress
    private let tracker: (@Sendable (Int) -> Void)?

    public init(address: AppAddress, track: (@Sendable (Int) -> Void)? = nil) {
        self.address = address
        tracker = track
    }

    /// Counts a request open (+1) or done (-1) here (local autoscaling and scale to zero read the counts).
    public func track(_ delta: Int) { tracker?(delta) }
}

/// Where the gateway sends one request for one app, as the backend sees it now.
public protocol AppRouting: Sendable {
    /// The app's spec (its timeouts, `public`).
    var spec: AppSpec { get }
    /// The upstreams that may take a request now, the next in turn first; empty when none is ready.
    func upstreams() -> [AppUpstream]
    /// The addresses whose pooled connections stay open (the others' are closed).
    func liveAddresses() -> Set<AppAddress>
    /// Starts a replica of an app that scales to zero and has none; true when the app scales to zero.
    func wake() -> Bool
    /// After a `wake()` that returned true: waits until an upstream may take the request or the app's startup grace
    /// has passed; the upstreams then (empty when none became ready).
    func awaitUpstreams() async throws -> [AppUpstream]
}

extension AppRouting {
    /// Looks every 20 ms of wall-clock time, waking the app again each time (a waiting request counts as activity,
    /// so the replica is not reaped meanwhile).
    public func awaitUpstreams() async throws -> [AppUpstream] {
        var upstreams = upstreams()
        let deadline = ContinuousClock.now + .milliseconds(spec.startupGrace.milliseconds)
        while upstreams.isEmpty && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            _ = wake()
            upstreams = self.upstreams()
        }
        return upstreams
    }
}

/// Where a replica's log is read from.
public enum AppLogSource: Sendable {
    /// A file that grows while the replica runs (local replicas).
    case file(String)
    /// A log the cluster keeps (a pod's).
    case remote(any AppRemoteLog)
}

/// A replica log held elsewhere (a pod's log in the cluster).
public protocol AppRemoteLog: Sendable {
    /// The log as it is now.
    func read() async throws(AppRuntimeError) -> [UInt8]
    /// The log from its start, then what is written to it, until the replica ends or the stream is cancelled.
    func follow() async throws(AppRuntimeError) -> AsyncThrowingStream<[UInt8], any Error>
}
