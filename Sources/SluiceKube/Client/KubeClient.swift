import Foundation

/// A Kubernetes API client over libcurl. Thread-safe; share one per cluster. Documents in and out are
/// JSON objects (unknown fields survive a read-modify-write); typed objects are views over them.
public final class KubeClient: Sendable {
    /// Where the bearer token comes from; called off the concurrency pool is not required (it may block
    /// briefly: a file read, or an exec plugin on its first call).
    public struct TokenSource: Sendable {
        public var token: @Sendable () throws -> String?
        /// Forget a cached token (after a 401).
        public var invalidate: @Sendable () -> Void

        public init(token: @escaping @Sendable () throws -> String?, invalidate: @escaping @Sendable () -> Void = {}) {
            self.token = token
            self.invalidate = invalidate
        }

        public static let none = TokenSource(token: { nil })
        public static func fixed(_ token: String) -> TokenSource { TokenSource(token: { token }) }
    }

    /// Retry rules, after client-go's rest.Request.
    public struct RetryPolicy: Sendable {
        /// Retries after a 429 or 5xx that carries Retry-After, and after network errors of GETs.
        public var maxRetries = 10
        /// Wait before retrying a GET after a connection error (client-go's artificial Retry-After: 1 s).
        public var networkRetryDelay: Duration = .seconds(1)
        /// The longest Retry-After honoured; larger values are clamped (a test server may say anything).
        public var maxRetryAfter: Duration = .seconds(60)
        public init() {}
    }

    public let server: String
    /// Requests: at most `maxConnections` connections at once, the rest queue (a burst of a thousand creates
    /// reuses a few warm connections instead of opening a thousand).
    public let transport: HTTPTransport
    /// Watches and followed logs: one connection each for as long as they last, never queued behind requests.
    public let streamTransport: HTTPTransport
    public let rateLimiter: RateLimiter
    public let tokenSource: TokenSource
    public let retryPolicy: RetryPolicy
    public let userAgent: String
    /// The namespace of the kubeconfig context or of the pod we run in.
    public let defaultNamespace: String
    /// Where retry pauses wait; reflectors and leader electors built on this client use it too.
    public let clock: KubeClock

    public init(server: String, tls: TLSOptions = TLSOptions(), tokenSource: TokenSource = .none,
                rateLimiter: RateLimiter = RateLimiter(), retryPolicy: RetryPolicy = RetryPolicy(),
                userAgent: String = "sluice/0.1 (linux) sluice-kube", defaultNamespace: String = "default",
                maxConnections: Int = 32, clock: KubeClock = .system) {
        self.defaultNamespace = defaultNamespace
        self.clock = clock
        var server = server
        while server.hasSuffix("/") { server.removeLast() }
        self.server = server
        self.transport = HTTPTransport(tls: tls, maxHostConnections: maxConnections)
        self.streamTransport = HTTPTransport(tls: tls)
        self.rateLimiter = rateLimiter
        self.tokenSource = tokenSource
        self.retryPolicy = retryPolicy
        self.userAgent = userAgent
    }

    /// One API call with the client's rules: rate limit per attempt, bearer token, retry 429/5xx that say
    /// Retry-After (any verb: the server did not act on it), retry connection drops of GETs only, re-read
    /// the token once after a 401. Returns any 2xx response; other statuses throw `KubeError.status`.
    public func request(method: String, path: String, query: [(String, String)] = [], body: [UInt8]? = nil,
                        contentType: String? = nil, accept: String = "application/json",
                        timeout: Duration? = .seconds(60)) async throws(KubeError) -> HTTPResponse {
        let url = server + path + PathEscape.query(query)
        var attempts = Attempts()
        while true {
            let request = try await nextRequest(method: method, url: url, body: body, contentType: contentType,
                                                accept: accept, timeout: timeout)
            let response: HTTPResponse
            do {
                response = try await transport.send(request)
            } catch {
                try await retryOrThrow(error, method: method, url: url, &attempts)
                continue
            }
            if (200..<300).contains(response.status) { return response }
            try await retryOrThrow(response, method: method, path: path, &attempts)
        }
    }

    /// Like `request`, but returns as soon as the head is in and streams the body (watch, followed logs).
    /// Failure statuses throw with the body read in full.
    public func stream(method: String = "GET", path: String, query: [(String, String)] = [],
                       idleTimeout: Duration? = nil) async throws(KubeError) -> HTTPStreamResponse {
        let url = server + path + PathEscape.query(query)
        var attempts = Attempts()
        while true {
            var request = try await nextRequest(method: method, url: url, body: nil, contentType: nil,
                                                accept: "application/json", timeout: nil)
            request.idleTimeout = idleTimeout
            let response: HTTPStreamResponse
            do {
                response = try await streamTransport.stream(request)
            } catch {
                try await retryOrThrow(error, method: method, url: url, &attempts)
                continue
            }
            if (200..<300).contains(response.status) { return response }
            var body: [UInt8] = []
            do {
                for try await chunk in response.body {
                    body += chunk
                    if body.count >= 1 << 20 { break }  // enough of a Status body
                }
            } catch {}
            try await retryOrThrow(HTTPResponse(head: response.head, body: body), method: method, path: path, &attempts)
        }
    }

    /// Retries made so far for one call.
    private struct Attempts {
        var retries = 0
        var reauthenticated = false
    }

    /// Waits for a rate-limiter token and builds the next attempt (with a fresh bearer token).
    private func nextRequest(method: String, url: String, body: [UInt8]?, contentType: String?, accept: String,
                             timeout: Duration?) async throws(KubeError) -> HTTPRequest {
        do { try await rateLimiter.acquire() } catch { throw .transport(cancelled(method, url)) }
        return try makeRequest(method: method, url: url, body: body, contentType: contentType, accept: accept, timeout: timeout)
    }

    /// No answer came: retry a GET whose connection dropped (after `networkRetryDelay`), else throw.
    private func retryOrThrow(_ error: any Error, method: String, url: String, _ attempts: inout Attempts) async throws(KubeError) {
        guard let error = error as? TransportError else { throw .transport(cancelled(method, url)) }
        guard method == "GET", attempts.retries < retryPolicy.maxRetries, Self.isConnectionDrop(error) else {
            throw .transport(error)
        }
        attempts.retries += 1
        try await pause(retryPolicy.networkRetryDelay, method, url)
    }

    /// A failure answer: after a first 401 re-read the token; after a 429/5xx with Retry-After wait that
    /// long; otherwise throw its Status.
    private func retryOrThrow(_ response: HTTPResponse, method: String, path: String, _ attempts: inout Attempts) async throws(KubeError) {
        if response.status == 401, !attempts.reauthenticated {
            attempts.reauthenticated = true
            tokenSource.invalidate()
            return
        }
        if let wait = retryAfter(response), attempts.retries < retryPolicy.maxRetries {
            attempts.retries += 1
            try await pause(wait, method, server + path)
            return
        }
        throw .status(KubeStatusError(method: method, path: path, response: response))
    }

    private func makeRequest(method: String, url: String, body: [UInt8]?, contentType: String?, accept: String,
                             timeout: Duration?) throws(KubeError) -> HTTPRequest {
        var headers: [(name: String, value: String)] = [("Accept", accept), ("User-Agent", userAgent)]
        if let contentType { headers.append(("Content-Type", contentType)) }
        let token: String?
        do { token = try tokenSource.token() } catch {
            throw .transport(TransportError(code: 0, kind: .other, message: "no credentials: \(error)", method: method,
                                            url: url, receivedResponse: false))
        }
        if let token, !token.isEmpty { headers.append(("Authorization", "Bearer \(token)")) }
        return HTTPRequest(method: method, url: url, headers: headers, body: body, timeout: timeout)
    }

    /// client-go's checkWait: only 429 and 5xx, and only with a Retry-After in whole seconds.
    private func retryAfter(_ response: HTTPResponse) -> Duration? {
        guard response.status == 429 || response.status >= 500,
              let text = response.header("retry-after"), let seconds = Int(text.trimmingCharacters(in: " ")), seconds >= 0
        else { return nil }
        return min(.seconds(seconds), retryPolicy.maxRetryAfter)
    }

    private func pause(_ wait: Duration, _ method: String, _ url: String) async throws(KubeError) {
        do { try await clock.sleep(for: wait) } catch { throw .transport(cancelled(method, url)) }
    }

    private func cancelled(_ method: String, _ url: String) -> TransportError {
        TransportError(code: 0, kind: .cancelled, message: "cancelled", method: method, url: url, receivedResponse: false)
    }

    /// The connection broke or closed without an answer: reset, empty reply, send/receive failure, partial body.
    static func isConnectionDrop(_ error: TransportError) -> Bool {
        [52, 55, 56, 18].contains(error.code)
    }
}
