import Foundation
import Hummingbird
import NIOCore
import Logging
import ServiceLifecycle
import Synchronization
import SluiceModel
import SluiceRuntime
import SluiceStore

/// `sluice serve`: the controller (claiming every run of the store) and the HTTP API over one store, in one process.
public final class APIServer: Sendable {
    /// The largest request body accepted (413 beyond it).
    public static let maxBodyBytes = 1 << 20

    /// Where to listen and which store to serve.
    public struct Configuration: Sendable {
        public var storeDirectory: String
        public var host: String
        /// 0 picks a free port (see `onListening`).
        public var port: Int
        /// The lease-holder name of this server's controller.
        public var owner: LeaseOwner
        /// Where attempts run; nil is the local backend over the store's `attempts` folder (with `taskUser`).
        public var backend: (any AttemptBackend)?
        /// The account local tasks run as (nil: the server's own); see `TaskUser`. Only for the default backend.
        public var taskUser: TaskUser?
        /// The base URL tasks call back to (`--advertise-url`), when the listen address is not how tasks reach
        /// this server (a load balancer in front of several servers over one store); nil: the listen address.
        public var advertiseURL: String?
        /// When set, the controller starts only while this process leads (a standby serves the API), and the
        /// server stops with `ServerStop.leadershipLost` when it stops leading.
        public var leadership: (any Leadership)?
        /// Connections open at once; more wait in the listen backlog.
        public var maxConnections = 512
        /// A connection that sends nothing (or only part of a request) for this long is closed.
        public var idleTimeoutSeconds = 30
        /// Finished runs older than this are removed (rows, attempt folders, logs) at start and every
        /// `retentionInterval` (`--retain-finished`); nil keeps every run.
        public var retainFinished: DurationValue?
        /// How often retention looks for runs to remove.
        public var retentionInterval = DurationValue(milliseconds: 3_600_000)
        /// The controller's (and retention's) clock; tests pass a `ManualClock`.
        public var clock: (any ControllerClock)?
        /// Restart pacing of app replicas and its clock.
        public var appOptions = AppRuntime.Options()
        /// Makes the app backend over the server's store (`KubernetesApps` on `--backend kubernetes`); nil: local
        /// replica processes (`AppRuntime` with `appOptions`).
        public var appBackend: (@Sendable (Store) -> any AppBackend)?
        /// The plugin that runs deploy steps, registered with `backend`'s plugins; the server attaches its apps to it.
        public var appDeploy: AppDeployTask?

        public init(storeDirectory: String, host: String = "127.0.0.1", port: Int = 8470, owner: LeaseOwner = .thisProcess(),
                    taskUser: TaskUser? = nil, backend: (any AttemptBackend)? = nil) {
            self.backend = backend
            self.storeDirectory = storeDirectory
            self.host = host
            self.port = port
            self.owner = owner
            self.taskUser = taskUser
        }
    }

    public let configuration: Configuration
    /// The controller driving this server's runs.
    public let controller: Controller
    /// What this server's controller measured as it stepped runs (for `/metrics`).
    public let metrics = ServerMetrics()
    /// The apps this server keeps running (local processes, containers on the container backend, or Deployments on
    /// Kubernetes), reached through `/apps/NAME/`.
    public let apps: any AppBackend
    /// On the container backend, the listener on the bridge network through which task containers reach apps they use.
    let containerGateway: ContainerNetworkGateway?
    private let lifecycle = Lifecycle()
    private let campaign = Mutex<Task<Void, Never>?>(nil)
    private let retention = Mutex<Task<Void, Never>?>(nil)
    /// Set when the server stopped because this process stopped leading.
    public let lostLeadership = Mutex(false)
    private let stopping = StopSignal()

    /// Opens the store (creating it if needed); nothing runs until `run`.
    public init(_ configuration: Configuration) throws {
        self.configuration = configuration
        var options = Controller.Options()
        options.owner = configuration.owner
        options.claimsRuns = true
        if let clock = configuration.clock { options.clock = clock }
        if let backend = configuration.backend {
            controller = try Controller(directory: configuration.storeDirectory, backend: backend, options: options)
        } else {
            controller = try Controller(directory: configuration.storeDirectory, options: options, taskUser: configuration.taskUser)
        }
        var appOptions = configuration.appOptions
        // On the container backend each replica is a container of the app's image; elsewhere a local process (with
        // the local backend's secrets folder when the attempts run there).
        if let replicas = AppReplicaBackend.matching(controller.backend) { appOptions.replicas = replicas }
        apps = configuration.appBackend?(controller.store)
            ?? AppRuntime(store: controller.store, directory: configuration.storeDirectory + "/apps", options: appOptions)
        configuration.appDeploy?.attach(apps, baseURL: { [controller] in controller.callbackBaseURL })
        if let containers = ((controller.backend as? PluginBackend)?.inner ?? controller.backend) as? ContainerBackend {
            let router: @Sendable () -> Router<APIContext> = { [apps, store = controller.store, metrics] in ContainerNetworkGateway.router(apps: apps, store: store, metrics: metrics) }
            let gateway = ContainerNetworkGateway(backend: containers, storeDirectory: configuration.storeDirectory,
                                                  idleTimeoutSeconds: configuration.idleTimeoutSeconds,
                                                  maxConnections: configuration.maxConnections, router: router)
            containers.attach(appGateway: gateway)
            containerGateway = gateway
        } else {
            containerGateway = nil
        }
        controller.onStep = { [metrics] id, state, events in metrics.record(runID: id, state: state, events: events) }
    }

    /// Where task containers reach the apps they use (`http://BRIDGE-ADDRESS:PORT`) on the container backend, once
    /// that listener is open; nil otherwise.
    public func containerAppGatewayURL() async -> String? { await containerGateway?.url }

    /// The router with every route and middleware.
    func router() -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        router.add(middleware: ErrorMiddleware<APIContext>(metrics: metrics))
        let store = controller.store
        // Before token checks: an app's own paths are not API routes (a public app needs no token at all).
        router.add(middleware: AppGateway(apps: apps, store: store))
        // Every route's role is in `RouteRoles`.
        router.add(middleware: TokenAuthMiddleware(store: store))
        let controller = self.controller
        HealthRoutes(controller: controller).add(to: router)
        RunRoutes(controller: controller).add(to: router)
        GateRoutes(controller: controller).add(to: router)
        EventRoutes(store: store, stopping: stopping).add(to: router)
        MetricsRoutes(controller: controller, metrics: metrics).add(to: router)
        FlowRoutes(store: store).add(to: router)
        TokenRoutes(store: store).add(to: router)
        RetryRoutes(controller: controller).add(to: router)
        RunDeletionRoutes(controller: controller).add(to: router)
        LogRoutes(store: store, stopping: stopping).add(to: router)
        AttemptRoutes(store: store).add(to: router)
        OpenAPIRoutes().add(to: router)
        UIRoutes().add(to: router)
        WhoAmIRoutes().add(to: router)
        CallbackRoutes(controller: controller).add(to: router)
        AppRoutes(apps: apps, store: store, baseURL: { [controller] in controller.callbackBaseURL }, stopping: stopping).add(to: router)
        return router
    }

    /// Serves until `shutdown()` or, with `handleSignals`, SIGTERM/SIGINT; then stops taking work and gives up
    /// its runs' leases. `onListening` receives the bound port.
    public func run(handleSignals: Bool = false, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        var logger = Logger(label: "sluice-serve")
        logger.logLevel = .warning
        let controller = self.controller, host = configuration.host
        let advertised = configuration.advertiseURL, storeDirectory = configuration.storeDirectory
        let leadership = configuration.leadership
        let server = self
        let app = Application(
            router: router(),
            // An idle or half-sent connection is closed after a while (a stream being answered is not idle), and at
            // most `maxConnections` are open at once: more wait in the listen backlog instead of taking every file
            // descriptor the controller needs to start attempts.
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds)))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "sluice",
                                 availableConnectionsDelegate: .maximum(configuration.maxConnections, logger: logger)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                // The controller starts once the port is known, so every attempt gets its callback URL.
                let base = advertised ?? Self.baseURL(host: host, port: port)
                controller.callbackBaseURL = base
                ServerRegistry(storeDirectory: storeDirectory).record(owner: controller.options.owner.name, url: Self.baseURL(host: host, port: port))
                // Apps deployed before come back (their replicas start in the background), before the controller runs:
                // a deploy step it repeats after a restart then finds its app restored instead of racing the restore
                // (which kills the replicas a dead server left behind).
                do { try await server.apps.restore() } catch {
                    Logger(label: "sluice-serve").error("cannot bring back the deployed apps: \(error)")
                }
                await server.containerGateway?.openAtStart()
                if let leadership {
                    // Only the leader drives runs; losing the lease stops this server (its pod restarts as a standby).
                    let campaign = Task.detached {
                        await leadership.run(lead: { controller.start() }, lost: {
                            server.lostLeadership.withLock { $0 = true }
                            Task { await server.shutdown() }
                        })
                    }
                    server.campaign.withLock { $0 = campaign }
                } else {
                    controller.start()
                }
                server.startRetention()
                await onListening(port)
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(
            // Shut down in reverse order: the stop signal first, so event streams end and the app can stop.
            services: [app, stopping], gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [], logger: logger))
        defer {
            retention.withLock { $0 }?.cancel()
            campaign.withLock { $0 }?.cancel()
            controller.stop()
            ServerRegistry(storeDirectory: storeDirectory).remove(owner: controller.options.owner.name)
        }
        if lifecycle.started(group) { await group.triggerGracefulShutdown() }
        let outcome: Result<Void, any Error>
        do { try await group.run(); outcome = .success(()) } catch { outcome = .failure(error) }
        await containerGateway?.close()
        // Every replica ends with the server (the store keeps what should run for the next start).
        await apps.shutdown()
        if case .failure(let error) = outcome {
            if let io = error as? IOError { throw ListenFailure(io, host: host, port: configuration.port) ?? io }
            throw error
        }
    }

    /// Why the server could not listen where it was asked to, in words that say what to do.
    public struct ListenFailure: Error, CustomStringConvertible {
        public let description: String

        init?(_ error: IOError, host: String, port: Int) {
            let address = "\(host.contains(":") ? "[\(host)]" : host):\(port)"
            switch error.errnoCode {
            case EADDRINUSE:
                description = "cannot listen on \(address): the address is already in use (another sluice serve, or another program); "
                    + "stop it, or choose another port with --listen \(host.contains(":") ? "[\(host)]" : host):PORT (port 0 picks a free one)"
            case EACCES:
                description = "cannot listen on \(address): permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
            case EADDRNOTAVAIL:
                description = "cannot listen on \(address): no network interface of this machine has the address \(host)"
            default:
                return nil
            }
        }
    }

    /// The address attempts on this machine call back to: a wildcard bind is reached through loopback.
    static func baseURL(host: String, port: Int) -> String {
        let h = host == "0.0.0.0" || host == "::" || host.isEmpty ? "127.0.0.1" : host
        return "http://\(h.contains(":") ? "[\(h)]" : h):\(port)"
    }

    /// Starts `--retain-finished` pruning when configured (safe on every server of a store: a run a controller
    /// still holds is never removed).
    func startRetention() {
        guard let retain = configuration.retainFinished else { return }
        let sweeper = Retention(store: controller.store, clock: controller.options.clock, retain: retain, every: configuration.retentionInterval)
        retention.withLock { $0 = Task.detached { await sweeper.run() } }
    }

    /// Stops a running server gracefully: open requests finish, new connections are refused.
    public func shutdown() async {
        if let group = lifecycle.stopRequested() { await group.triggerGracefulShutdown() }
    }
}
