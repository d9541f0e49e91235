import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A Hummingbird server on 127.0.0.1 (a free port) with the endpoints the http task tests call.
final class TestHTTPServer: Sendable {
    let port: Int
    private let running: Task<Void, any Error>
    /// Yields once for each request that reached `/hang`, so a test cancels only after the request is out.
    let hung: AsyncStream<Void>
    private let hungContinuation: AsyncStream<Void>.Continuation
    /// Requests per name to `/once/NAME` (any method): the first is held open, later ones answer at once.
    let onceCounts: Counts

    var base: String { "http://127.0.0.1:\(port)" }

    static func start() async throws -> TestHTTPServer {
        let portBox = Mutex<CheckedContinuation<Int, Never>?>(nil)
        let (hung, hungContinuation) = AsyncStream<Void>.makeStream()
        let counts = Mutex([String: Int]())
        let onceCounts = Counts()
        let router = Router()
        router.post("echo") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
        }
        router.get("auth") { request, _ -> String in request.headers[.authorization] ?? "" }
        // The value of the header named in the path, for any method.
        let echoHeader: @Sendable (Request, BasicRequestContext) async throws -> String = { request, context in
            header(request, context.parameters.get("name") ?? "") ?? ""
        }
        router.get("header/:name", use: echoHeader)
        router.post("header/:name", use: echoHeader)
        router.get("status/:code") { _, context -> Response in
            Response(status: .init(code: Int(context.parameters.get("code") ?? "500") ?? 500))
        }
        router.get("flaky/:name") { _, context -> Response in
            let name = context.parameters.get("name") ?? ""
            let n = counts.withLock { c in c[name, default: 0] += 1; return c[name]! }
            return n < 3 ? Response(status: .serviceUnavailable)
                : Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"calls": \#(n)}"#)))
        }
        router.get("hang") { _, _ -> String in
            hungContinuation.yield()
            // Held until the client goes away (the test's cancel or timeout) or the server stops.
            try await Task.sleep(for: .seconds(3600))
            return "late"
        }
        // Held on its first request (so a test can kill the client's controller mid-request), answered after.
        let once: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, context in
            let name = context.parameters.get("name") ?? ""
            let n = onceCounts.add(name, key: header(request, "Idempotency-Key"))
            if n == 1 {
                hungContinuation.yield()
                try await Task.sleep(for: .seconds(3600))
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"calls": \#(n)}"#)))
        }
        router.get("once/:name", use: once)
        router.post("once/:name", use: once)
        router.post("forecast") { request, _ -> Response in
            guard request.headers[.authorization] == "Bearer t0ken" else { return Response(status: .unauthorized) }
            let body = try await request.body.collect(upTo: 1 << 20)
            let sent = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
            let city = sent?["city"] as? String ?? "?"
            let json = #"{"city": "\#(city)", "today": {"temperature": 21.5}}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        var logger = Logger(label: "plugin-tests")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  portBox.withLock { $0?.resume(returning: channel.localAddress?.port ?? 0); $0 = nil }
                              }, logger: logger)
        let running = Mutex<Task<Void, any Error>?>(nil)
        let port = await withCheckedContinuation { c in
            portBox.withLock { $0 = c }
            running.withLock { $0 = Task { try await app.runService(gracefulShutdownSignals: []) } }
        }
        return TestHTTPServer(port: port, running: running.withLock { $0! }, hung: hung, hungContinuation: hungContinuation, onceCounts: onceCounts)
    }

    private init(port: Int, running: Task<Void, any Error>, hung: AsyncStream<Void>, hungContinuation: AsyncStream<Void>.Continuation,
                 onceCounts: Counts) {
        self.onceCounts = onceCounts
        self.port = port
        self.running = running
        self.hung = hung
        self.hungContinuation = hungContinuation
    }

    // The server is not stopped: cancelling `runService`'s task can crash swift-service-lifecycle's graceful
    // shutdown sequence (an unowned reference read after free), so each server lives until the test process ends.
    deinit {
        hungContinuation.finish()
        Self.kept.withLock { $0.append(running) }
    }

    private static let kept = Mutex<[Task<Void, any Error>]>([])
}

/// The value of `request`'s header `name` (any case), if it has one.
private func header(_ request: Request, _ name: String) -> String? {
    request.headers.first { $0.name.canonicalName == name.lowercased() }?.value
}

/// Requests counted by name, with the `Idempotency-Key` each one carried.
final class Counts: Sendable {
    private let counts = Mutex([String: Int]())
    private let keys = Mutex([String: [String?]]())

    /// Counts one more request for `name`; returns its count.
    func add(_ name: String, key: String? = nil) -> Int {
        keys.withLock { $0[name, default: []].append(key) }
        return counts.withLock { c in c[name, default: 0] += 1; return c[name]! }
    }

    subscript(name: String) -> Int { counts.withLock { $0[name] ?? 0 } }

    /// The `Idempotency-Key` of each request for `name`, in order (nil: none was sent).
    func keys(_ name: String) -> [String?] { keys.withLock { $0[name] ?? [] } }
}
