import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization

/// Starts KubeSim servers.
public enum KubeSim {
    /// Starts an API server on `options.host:options.port` and returns once it accepts connections.
    public static func start(_ options: KubeSimOptions = KubeSimOptions()) async throws -> KubeSimServer {
        try await KubeSimServer.start(options)
    }
}

/// A running KubeSim: its address, store and fault plan.
public final class KubeSimServer: Sendable {
    public let store: ObjectStore
    public let faults: FaultPlan
    public let port: Int
    /// `http://127.0.0.1:PORT` or `https://...`.
    public let baseURL: String
    public let options: KubeSimOptions
    /// The CA and certificates when TLS is on.
    public let certificates: GeneratedCertificates?
    let handler: APIHandler
    let group: ServiceGroup
    let running: Task<Void, Never>
    let componentTasks: [Task<Void, Never>]

    init(options: KubeSimOptions, store: ObjectStore, faults: FaultPlan, port: Int, certificates: GeneratedCertificates?,
         handler: APIHandler, group: ServiceGroup, running: Task<Void, Never>, componentTasks: [Task<Void, Never>]) {
        self.options = options
        self.store = store
        self.faults = faults
        self.port = port
        self.baseURL = "\(options.tls ? "https" : "http")://\(options.host):\(port)"
        self.certificates = certificates
        self.handler = handler
        self.group = group
        self.running = running
        self.componentTasks = componentTasks
    }

    /// Serves `GET .../pods/NAME/log` from this source (the simulated kubelet).
    public func setPodLogSource(_ source: any PodLogSource) {
        handler.logSource.withLock { $0 = source }
    }

    /// Ends watches, stops components and the server.
    public func stop() async {
        for task in componentTasks { task.cancel() }
        store.stop()
        // Followed logs never end on their own: close them, or graceful shutdown waits for them.
        handler.logSource.withLock { $0 }?.closeFollowers()
        await group.triggerGracefulShutdown()
        await running.value
        // Components clean up after themselves (the kubelet removes the engine containers it started).
        for task in componentTasks { await task.value }
    }

    static func start(_ options: KubeSimOptions) async throws -> KubeSimServer {
        let store = ObjectStore(watchHistory: options.watchHistory, expireTerminatingPods: options.expireTerminatingPods,
                                writeLogLimit: options.writeLogLimit)
        let faults = FaultPlan(options.faults)
        var certificates: GeneratedCertificates?
        var server: HTTPServerBuilder = .http1()
        if options.tls {
            let directory = options.certDirectory ?? NSTemporaryDirectory() + "kubesim-\(UUID().uuidString.prefix(8))"
            let (user, groups) = (options.clientCertUser ?? "kubesim-admin", options.clientCertGroups)
            // openssl runs as child processes: wait for them on a thread of our own, not the concurrency pool.
            let certs = try await onOwnThread {
                let certs = try GeneratedCertificates.generate(in: directory)
                try certs.issueClient(user: user, groups: groups)
                return certs
            }
            var tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(certs.serverCertificate).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: certs.serverKey, format: .pem)))
            tls.certificateVerification = .optionalVerification
            tls.trustRoots = .file(certs.caCertificate)
            // libcurl does not read idle connections, so it never answers a close_notify: don't wait 5 s for it.
            tls.shutdownTimeout = .milliseconds(100)
            server = try .tls(.http1(), tlsConfiguration: tls)
            certificates = certs
        }
        let access = AccessPolicy(tokens: options.tokens, readonlyUsers: options.readonlyUsers, clientCertificates: options.tls)
        let portBox = PortBox()
        var logger = Logger(label: "kubesim")
        logger.logLevel = .error
        let settingsAddress = "\(options.host):\(options.port)"
        let handler = APIHandler(store: store, faults: faults, access: access,
                                 settings: APISettings(address: settingsAddress, watch410: options.watch410, bookmarkInterval: options.bookmarkInterval))
        let app = Application(
            responder: CallbackResponder<SimRequestContext> { request, context in await handler.respond(request, context) },
            server: server,
            configuration: ApplicationConfiguration(address: .hostname(options.host, port: options.port), serverName: "kubesim"),
            onServerRunning: { channel in portBox.set(channel.localAddress?.port ?? 0) },
            logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [app], logger: logger))
        let running = Task {
            do { try await group.run() } catch { portBox.fail("\(error)") }
        }
        let port = try await portBox.wait()
        var result = KubeSimServer(options: options, store: store, faults: faults, port: port, certificates: certificates,
                                   handler: handler, group: group, running: running, componentTasks: [])
        let tasks = options.components.map { component in
            Task<Void, Never> { [result] in
                do { try await component.run(result) } catch {}
            }
        }
        result = KubeSimServer(options: options, store: store, faults: faults, port: port, certificates: certificates,
                               handler: handler, group: group, running: running, componentTasks: tasks)
        if let path = options.kubeconfigPath { try result.writeKubeconfig(to: path) }
        return result
    }

    /// Writes a kubeconfig for this server: client certificate with TLS, else the first token, else none.
    public func writeKubeconfig(to path: String, token: String? = nil) throws {
        let user = token.flatMap { options.tokens[$0] } ?? options.clientCertUser ?? (options.tls ? "kubesim-admin" : options.tokens.values.sorted().first ?? "kubesim")
        var credential = Kubeconfig.Credential.none
        if let token {
            credential = .token(token)
        } else if let certificates {
            credential = .clientCertificate(certificate: certificates.clientCertificate(user), key: certificates.clientKey(user))
        } else if let first = options.tokens.sorted(by: { $0.key < $1.key }).first {
            credential = .token(first.key)
        }
        try Kubeconfig.write(to: path, server: baseURL, user: user, caCertificate: certificates?.caCertificate, credential: credential)
    }
}

/// Hands the bound port from the server's start callback to `start`.
final class PortBox: Sendable {
    private let state = Mutex<(port: Int?, error: String?, waiter: CheckedContinuation<Int, Error>?)>((nil, nil, nil))

    struct StartFailure: Error, CustomStringConvertible { let description: String }

    func set(_ port: Int) {
        let waiter = state.withLock { s in
            s.port = port
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: port)
    }

    func fail(_ message: String) {
        let waiter = state.withLock { s in
            s.error = message
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(throwing: StartFailure(description: "kubesim could not start: \(message)"))
    }

    func wait() async throws -> Int {
        try await withCheckedThrowingContinuation { c in
            let ready = state.withLock { s -> Result<Int, Error>? in
                if let port = s.port { return .success(port) }
                if let error = s.error { return .failure(StartFailure(description: "kubesim could not start: \(error)")) }
                s.waiter = c
                return nil
            }
            if let ready { c.resume(with: ready) }
        }
    }
}

/// Runs blocking work (child processes and their waits) on a thread of its own and awaits its result.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
