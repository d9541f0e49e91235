import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import SluiceRuntime
import SluiceStore

/// `sluice serve --backend container`: a second listener on the host's own address on the engine's bridge network
/// (`10.88.0.1` on Podman's default network, `172.17.0.1` on Docker's), through which a task container that
/// `uses:` an app reaches it; the server itself listens on loopback, which a container does not reach. It serves
/// only `/apps/NAME/...` of public apps, through the same gateway as the main listener (health-aware round robin,
/// scale-to-zero wake): no API, no UI, and no token is taken (a private app answers 403), so a container on the
/// bridge reaches there nothing the compiler would not let a task `uses:`.
///
/// It opens when the server starts serving and, when that failed (Podman makes its bridge only when a first
/// container joins it), again when a task that uses an app starts; it closes when the server stops. It asks for the
/// port it had before (kept in the store), so the containers of tasks a restarted server adopts keep their URL.
actor ContainerNetworkGateway: ContainerAppGateway {
    private let backend: ContainerBackend
    private let router: @Sendable () -> Router<APIContext>
    private let portFile: String
    private let idleTimeoutSeconds: Int
    private let maxConnections: Int
    private var listener: Listener?
    private var opening: Task<Result<String, BackendError>, Never>?
    private var closed = false
    private let logger: Logger = {
        var logger = Logger(label: "sluice-serve")
        logger.logLevel = .warning
        return logger
    }()

    private struct Listener {
        let url: String
        let group: ServiceGroup
        let task: Task<Void, Never>
    }

    init(backend: ContainerBackend, storeDirectory: String, idleTimeoutSeconds: Int, maxConnections: Int,
         router: @escaping @Sendable () -> Router<APIContext>) {
        self.backend = backend
        self.router = router
        self.portFile = storeDirectory + "/container-gateway.port"
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.maxConnections = maxConnections
    }

    /// The router of the listener: the gateway of public apps, and a 404 for every other path.
    static func router(apps: any AppBackend, store: Store, metrics: ServerMetrics) -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        router.add(middleware: ErrorMiddleware<APIContext>(metrics: metrics))
        router.add(middleware: AppGateway(apps: apps, store: store, publicOnly: true))
        router.add(middleware: OnlyAppsHere())
        return router
    }

    /// The URL it listens on, when it is open.
    var url: String? { listener?.url }

    func baseURL() async throws(BackendError) -> String {
        if let listener { return listener.url }
        if closed { throw BackendError("the server is stopping") }
        // One opening at a time: callers that come meanwhile wait for it.
        let attempt = opening ?? Task { await self.open() }
        opening = attempt
        let result = await attempt.value
        if opening == attempt { opening = nil }
        return try result.get()
    }

    /// Opens the listener at the server's start; a failure is logged (a task that uses an app tries again).
    func openAtStart() async {
        do { _ = try await baseURL() } catch {
            logger.warning("tasks cannot reach apps yet: \(error); a task that uses an app tries again when it starts")
        }
    }

    /// Stops the listener (open requests finish); it does not open again.
    func close() async {
        closed = true
        _ = await opening?.value
        guard let listener else { return }
        self.listener = nil
        await listener.group.triggerGracefulShutdown()
        await listener.task.value
    }

    private func open() async -> Result<String, BackendError> {
        let host: String
        do { host = try await backend.bridgeGatewayAddress() } catch { return .failure(error) }
        let previous = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        var ports = [0]
        if let previous, (1...65535).contains(previous) { ports.insert(previous, at: 0) }
        var failure = ""
        for port in ports {
            switch await bind(host: host, port: port) {
            case .success(let listener):
                if closed {
                    await listener.group.triggerGracefulShutdown()
                    await listener.task.value
                    return .failure(BackendError("the server is stopping"))
                }
                self.listener = listener
                return .success(listener.url)
            case .failure(let error):
                failure = Self.describe(error, host: host)
                // The port of before is taken by now: any free one will do.
                if port != 0, (error as? IOError)?.errnoCode == EADDRINUSE { continue }
                return .failure(BackendError("cannot listen for task containers on \(host): \(failure)"))
            }
        }
        return .failure(BackendError("cannot listen for task containers on \(host): \(failure)"))
    }

    private func bind(host: String, port: Int) async -> Result<Listener, any Error> {
        let first = FirstOutcome()
        let app = Application(
            router: router(),
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(idleTimeoutSeconds)))),
            configuration: .init(address: .hostname(host, port: port), serverName: "sluice",
                                 availableConnectionsDelegate: .maximum(maxConnections, logger: logger)),
            onServerRunning: { channel in first.set(.success(channel.localAddress?.port ?? port)) },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task.detached {
            do {
                try await group.run()
                first.set(.failure(CancellationError()))
            } catch {
                first.set(.failure(error))
            }
        }
        switch await first.value() {
        case .success(let bound):
            try? "\(bound)\n".write(toFile: portFile, atomically: true, encoding: .utf8)
            return .success(Listener(url: "http://\(host):\(bound)", group: group, task: task))
        case .failure(let error):
            await task.value
            return .failure(error)
        }
    }

    private static func describe(_ error: any Error, host: String) -> String {
        guard let io = error as? IOError else { return "\(error)" }
        switch io.errnoCode {
        case EADDRNOTAVAIL:
            return "the address is not on this machine yet (Podman brings its bridge up when the first container joins it)"
        case EADDRINUSE:
            return "the address is already in use"
        default:
            return "\(io)"
        }
    }
}

/// Every path that is not an app's, on the listener task containers reach.
private struct OnlyAppsHere: RouterMiddleware {
    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        APIError(.notFound, code: "not-found", "this address serves only /apps/NAME/ of public apps (the API is on the server's own address)").response()
    }
}

/// The first outcome of a listener: bound (its port), or failed before it listened.
private final class FirstOutcome: Sendable {
    private struct State {
        var value: Result<Int, any Error>?
        var waiters: [CheckedContinuation<Result<Int, any Error>, Never>] = []
    }
    private let state = Mutex(State())

    func set(_ value: Result<Int, any Error>) {
        let waiters = state.withLock { s -> [CheckedContinuation<Result<Int, any Error>, Never>] in
            guard s.value == nil else { return [] }
            s.value = value
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume(returning: value) }
    }

    func value() async -> Result<Int, any Error> {
        await withCheckedContinuation { c in
            let ready = state.withLock { s -> Result<Int, any Error>? in
                if let v = s.value { return v }
                s.waiters.append(c)
                return nil
            }
            if let ready { c.resume(returning: ready) }
        }
    }
}
