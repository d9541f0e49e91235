import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import SluiceRuntime
import SluiceStore

/// `sluice serve`: the run scheduler and the HTTP API over one store, in one process.
public final class APIServer: Sendable {
    /// The largest request body accepted (413 beyond it).
    public static let maxBodyBytes = 1 << 20

    /// Where to listen and which store to serve.
    public struct Configuration: Sendable {
        public var storeDirectory: String
        public var host: String
        /// 0 picks a free port (see `onListening`).
        public var port: Int
        /// The lease-holder name of this server's drivers.
        public var owner: String

        public init(storeDirectory: String, host: String = "127.0.0.1", port: Int = 8470, owner: String = RunDriver.localOwner()) {
            self.storeDirectory = storeDirectory
            self.host = host
            self.port = port
            self.owner = owner
        }
    }

    public let configuration: Configuration
    /// The scheduler driving this server's runs.
    public let scheduler: RunScheduler
    private let lifecycle = Lifecycle()
    private let stopping = StopSignal()

    /// Opens the store (creating it if needed); nothing runs until `run`.
    public init(_ configuration: Configuration) throws {
        self.configuration = configuration
        let controller = try Controller(directory: configuration.storeDirectory, drivesRuns: true)
        scheduler = RunScheduler(controller: controller, owner: configuration.owner)
    }

    /// The router with every route and middleware.
    func router() -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        router.add(middleware: ErrorMiddleware<APIContext>(metrics: scheduler.metrics))
        let store = scheduler.controller.store
        // Every route's role is in `RouteRoles`.
        router.add(middleware: TokenAuthMiddleware(store: store))
        let scheduler = self.scheduler
        HealthRoutes(scheduler: scheduler).add(to: router)
        RunRoutes(scheduler: scheduler).add(to: router)
        GateRoutes(store: store).add(to: router)
        EventRoutes(store: store, stopping: stopping).add(to: router)
        MetricsRoutes(scheduler: scheduler).add(to: router)
        FlowRoutes(store: store).add(to: router)
        RetryRoutes(scheduler: scheduler).add(to: router)
        LogRoutes(store: store, stopping: stopping).add(to: router)
        OpenAPIRoutes().add(to: router)
        CallbackRoutes(scheduler: scheduler).add(to: router)
        return router
    }

    /// Serves until `shutdown()` or, with `handleSignals`, SIGTERM/SIGINT; then stops taking work and gives up
    /// its runs' leases. `onListening` receives the bound port.
    public func run(handleSignals: Bool = false, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        var logger = Logger(label: "sluice-serve")
        logger.logLevel = .warning
        let scheduler = self.scheduler, host = configuration.host
        let app = Application(
            router: router(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "sluice"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                // The scheduler starts once the port is known, so every attempt gets its callback URL.
                scheduler.callbackBaseURL = Self.baseURL(host: host, port: port)
                scheduler.start()
                await onListening(port)
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(
            // Shut down in reverse order: the stop signal first, so event streams end and the app can stop.
            services: [app, stopping], gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [], logger: logger))
        defer { scheduler.stop() }
        if lifecycle.started(group) { await group.triggerGracefulShutdown() }
        try await group.run()
    }

    /// The address attempts on this machine call back to: a wildcard bind is reached through loopback.
    static func baseURL(host: String, port: Int) -> String {
        let h = host == "0.0.0.0" || host == "::" || host.isEmpty ? "127.0.0.1" : host
        return "http://\(h.contains(":") ? "[\(h)]" : h):\(port)"
    }

    /// Stops a running server gracefully: open requests finish, new connections are refused.
    public func shutdown() async {
        if let group = lifecycle.stopRequested() { await group.triggerGracefulShutdown() }
    }
}
