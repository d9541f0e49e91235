import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import SluiceRuntime
import SluiceStore

/// `/apps/NAME/...`: forwards the request to an upstream of app NAME (a healthy local replica, round robin, or
/// the app's Service on Kubernetes) with `/apps/NAME` taken off the path, streaming both bodies. A replica refusing the connection is passed over for the next one
/// when the method is idempotent. 503 when no replica is healthy, 504 when the replica is silent for the app's
/// request timeout; a non-public app needs a viewer token (which is not passed on to the app).
struct AppGateway: RouterMiddleware {
    let apps: any AppBackend
    let store: Store
    /// Keep-alive connections to the replicas, reused across requests.
    let pools: ReplicaPools
    /// Serves public apps only, taking no token (the listener task containers reach: `ContainerNetworkGateway`).
    let publicOnly: Bool

    init(apps: any AppBackend, store: Store, publicOnly: Bool = false) {
        self.apps = apps
        self.store = store
        self.publicOnly = publicOnly
        pools = ReplicaPools { [apps] name in apps.routing(name)?.liveAddresses() }
    }

    static let prefix = "/apps/"

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix(Self.prefix) else { return try await next(request, context) }
        let rest = path.dropFirst(Self.prefix.count)
        let name = String(rest.prefix { $0 != "/" })
        guard !name.isEmpty else { return try await next(request, context) }
        guard let route = apps.routing(name) else {
            return APIError(.notFound, code: "no-app", "no app named '\(name)' is running here").response()
        }
        if !route.spec.isPublic, publicOnly {
            return APIError(.forbidden, code: "not-public", "app '\(name)' is not public: this address serves only public apps, without tokens").response()
        }
        if !route.spec.isPublic, let refusal = try await authorize(request, app: name) { return refusal }
        let upstreamPath = String(rest.dropFirst(name.count))
        let head = forwardedHead(request, context: context, path: upstreamPath.isEmpty ? "/" : upstreamPath, app: name,
                                 keepAuthorization: route.spec.isPublic)
        return try await forward(request, head: head, route: route, app: name)
    }

    /// nil when the request may pass; else the 401/403 answer.
    private func authorize(_ request: Request, app: String) async throws -> Response? {
        guard let secret = TokenAuthMiddleware.bearer(request.headers[.authorization]) else {
            return TokenAuthMiddleware.unauthorized("app '\(app)' is not public: send 'Authorization: Bearer <token>' with a viewer token")
        }
        guard let token = try await AsyncStore(store).run({ try $0.authenticate(secret: secret) }) else {
            return TokenAuthMiddleware.unauthorized("the token is unknown or revoked")
        }
        guard token.role.allows(.viewer) else {
            return APIError(.forbidden, code: "forbidden", "token '\(token.name)' cannot reach app '\(app)'").response()
        }
        return nil
    }

    private func forward(_ request: Request, head: HTTPRequestHead, route: any AppRouting, app: String) async throws -> Response {
        var replicas = route.upstreams()
        // An app scaled to zero gets a replica now; the request waits for it up to the startup grace.
        if replicas.isEmpty, route.wake() { replicas = try await route.awaitUpstreams() }
        guard !replicas.isEmpty else {
            return APIError(.serviceUnavailable, code: "no-healthy-replica", "app '\(app)' has no healthy replica now").response()
        }
        let idempotent = [.get, .head, .options, .put, .delete, .trace].contains(request.method)
        // Without a body, an idempotent request may also go to the next replica when one resets the connection
        // before answering (a replica killed a moment ago): nothing of it was consumed.
        let bodiless = request.headers[.transferEncoding] == nil && (request.headers[.contentLength].flatMap { Int($0) } ?? 0) == 0
        let timeout = route.spec.requestTimeout.seconds
        var lastError = ""
        for candidate in replicas {
            let handoff = Handoff()
            candidate.track(1)
            do throws(ReplicaExchange.Failure) {
                // A body is read once; a bodiless request sends none each time it is tried.
                let exchange = ReplicaExchange(head: head, body: bodiless ? nil : request.body, timeout: timeout, handoff: handoff)
                let answer = try await send(exchange, app: app, address: candidate.address, retryStale: idempotent && bodiless)
                if let body = answer.body {
                    candidate.track(-1)
                    return response(answer.head, request: request, body: .whole(body))
                }
                let end = ExchangeEnd { candidate.track(-1); handoff.cancel("the client went away") }
                return response(answer.head, request: request, body: .streamed(handoff, end))
            } catch {
                candidate.track(-1)
                switch error {
                case .timedOut:
                    return APIError(.gatewayTimeout, code: "app-timeout",
                                    "app '\(app)' did not answer within its request timeout of \(route.spec.requestTimeout)").response()
                case .refused(let why):
                    lastError = why
                    if idempotent { continue }
                    return APIError(.badGateway, code: "replica-unreachable", "app '\(app)': no replica answered (\(why))").response()
                case .broken(let why), .stale(let why):
                    lastError = why
                    if idempotent && bodiless { continue }
                    return APIError(.badGateway, code: "replica-failed", "app '\(app)': the replica failed: \(why)").response()
                }
            }
        }
        return APIError(.badGateway, code: "replica-unreachable", "app '\(app)': no replica answered (\(lastError))").response()
    }

    /// Sends `exchange` on an idle pooled connection to the upstream at `address`, or on a new one; a pooled
    /// connection found closed before any response byte is replaced by a new one when `retryStale`.
    private func send(_ exchange: ReplicaExchange, app: String, address: AppAddress, retryStale: Bool) async throws(ReplicaExchange.Failure) -> ReplicaResponse {
        let pool = pools.pool(app: app, address: address)
        var exchange = exchange
        while let connection = pool.checkout(idleAtMost: retryStale ? nil : 500_000_000) {
            guard connection.submit(exchange) else { continue }
            let outcome = await exchange.reply.wait()
            guard case .failure(.stale) = outcome, retryStale else { return try outcome.get() }
            exchange = exchange.again()
        }
        try await ReplicaConnection.open(address, pool: pool, first: exchange)
        return try await exchange.reply.wait().get()
    }

    private enum Body {
        /// A small body read whole: answered in one write.
        case whole(ByteBuffer)
        /// Parts passed on as they come, then `ExchangeEnd` runs.
        case streamed(Handoff, ExchangeEnd)
    }

    /// The client's response: the replica's status and headers (without hop-by-hop ones), its body.
    private func response(_ responseHead: HTTPResponseHead, request: Request, body: Body) -> Response {
        var headers = HTTPFields()
        var length: Int?
        for (name, value) in responseHead.headers {
            let lower = name.lowercased()
            if Self.hopByHop.contains(lower) { continue }
            if lower == "content-length" { length = Int(value); continue }
            if let field = HeaderName(name) { headers.append(HTTPFields.Element(name: field, value: value)) }
        }
        let status = HTTPResponse.Status(code: Int(responseHead.status.code), reasonPhrase: responseHead.status.reasonPhrase)
        switch body {
        case .whole(let buffer):
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: buffer))
        case .streamed(let handoff, let end):
            var response = Response(status: status, headers: headers,
                                    body: Self.streamed(handoff, end: end, length: request.method == .head ? nil : length))
            if request.method == .head, let length { response.headers[.contentLength] = String(length) }
            return response
        }
    }

    private static func streamed(_ handoff: Handoff, end: ExchangeEnd, length: Int?) -> ResponseBody {
        ResponseBody(contentLength: length) { writer in
            defer { end.run() }
            while true {
                switch await handoff.take() {
                case .part(let buffer):
                    do { try await writer.write(buffer) } catch {
                        handoff.cancel("the client went away")
                        throw error
                    }
                case .end:
                    try await writer.finish(nil)
                    return
                case .failed(let why):
                    throw GatewayStreamError(message: why)
                }
            }
        }
    }

    /// The request head for the replica: method, the path below the app, the client's headers without
    /// hop-by-hop ones, and `X-Forwarded-For/-Proto/-Host/-Prefix`.
    private func forwardedHead(_ request: Request, context: APIContext, path: String, app: String, keepAuthorization: Bool) -> HTTPRequestHead {
        let query = request.uri.query.map { "?" + $0 } ?? ""
        var headers = HTTPHeaders()
        var forwardedFor: String?
        var proto: String?
        for field in request.headers {
            let lower = field.name.canonicalName
            if Self.hopByHop.contains(lower) { continue }
            if lower == "authorization" && !keepAuthorization { continue }
            if lower == "x-forwarded-for" { forwardedFor = field.value; continue }
            if lower == "x-forwarded-proto" { proto = field.value; continue }
            if lower == "x-forwarded-host" || lower == "x-forwarded-prefix" { continue }
            headers.add(name: field.name.rawName, value: field.value)
        }
        let host = request.head.authority ?? ""
        if headers["host"].isEmpty, !host.isEmpty { headers.add(name: "Host", value: host) }
        let client = context.remoteIP ?? "unknown"
        headers.add(name: "X-Forwarded-For", value: forwardedFor.map { "\($0), \(client)" } ?? client)
        headers.add(name: "X-Forwarded-Proto", value: proto ?? "http")
        if !host.isEmpty { headers.add(name: "X-Forwarded-Host", value: host) }
        headers.add(name: "X-Forwarded-Prefix", value: "/apps/\(app)")
        if request.headers[.contentLength] == nil, request.headers[.transferEncoding] != nil || ![.get, .head, .options, .delete, .trace].contains(request.method) {
            headers.add(name: "Transfer-Encoding", value: "chunked")
        }
        return HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: request.method.rawValue), uri: path + query, headers: headers)
    }

    static let hopByHop: Set<String> = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
                                        "proxy-authorization", "proxy-authenticate"]
}

/// A replica's response that broke off after its head was sent (the client sees the connection end early).
struct GatewayStreamError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// What ends an exchange once (the replica's open-request count, the handoff): when the response body has been
/// written, or, when the client left before its body was ever asked for, when the response is dropped.
final class ExchangeEnd: @unchecked Sendable {
    private let lock = NSLock()
    private var action: (@Sendable () -> Void)?

    init(_ action: @escaping @Sendable () -> Void) { self.action = action }

    func run() {
        let a = lock.withLock { () -> (@Sendable () -> Void)? in defer { action = nil }; return action }
        a?()
    }

    deinit { run() }
}
