/// One HTTP request as the transport sends it.
public struct HTTPRequest: Sendable {
    public var method: String
    /// Absolute URL, already percent-encoded.
    public var url: String
    /// Header names as given; the transport adds none but `Content-Length` for a body.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    /// Whole-request limit for buffered requests; nil for none (watches, followed logs).
    public var timeout: Duration?
    public var connectTimeout: Duration
    /// Fail a stream that receives nothing for this long (libcurl's low-speed limit of one byte).
    public var idleTimeout: Duration?
    /// Connect to this unix socket instead of the URL's host (the Docker Engine API); the URL still gives
    /// the path and the `Host` header.
    public var unixSocketPath: String?

    public init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [],
                body: [UInt8]? = nil, timeout: Duration? = .seconds(60), connectTimeout: Duration = .seconds(10),
                idleTimeout: Duration? = nil, unixSocketPath: String? = nil) {
        self.unixSocketPath = unixSocketPath
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.idleTimeout = idleTimeout
    }

    public func header(_ name: String) -> String? {
        headers.last { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// The status line and headers of a response (header names lower-cased).
public struct HTTPHead: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]

    public init(status: Int, headers: [(name: String, value: String)]) {
        self.status = status
        self.headers = headers
    }

    /// The last value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.last { $0.name == lower }?.value
    }
}

/// A whole response.
public struct HTTPResponse: Sendable {
    public var head: HTTPHead
    public var body: [UInt8]

    public init(head: HTTPHead, body: [UInt8]) {
        self.head = head
        self.body = body
    }

    public var status: Int { head.status }
    public func header(_ name: String) -> String? { head.header(name) }
}

/// TLS settings of a connection. Verification is on unless `insecureSkipVerify` says otherwise.
public struct TLSOptions: Sendable, Hashable {
    /// PEM CA bundle to trust instead of the system's.
    public var caPEM: [UInt8]?
    public var insecureSkipVerify: Bool
    /// The name to verify the server certificate against (and send as SNI) instead of the URL's host.
    public var serverName: String?
    public var clientCertificatePEM: [UInt8]?
    public var clientKeyPEM: [UInt8]?
    /// An HTTP(S) proxy for every request; nil uses the usual proxy variables (never for loopback).
    public var proxyURL: String?

    public init(caPEM: [UInt8]? = nil, insecureSkipVerify: Bool = false, serverName: String? = nil,
                clientCertificatePEM: [UInt8]? = nil, clientKeyPEM: [UInt8]? = nil, proxyURL: String? = nil) {
        self.proxyURL = proxyURL
        self.caPEM = caPEM
        self.insecureSkipVerify = insecureSkipVerify
        self.serverName = serverName
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
    }
}

/// A request that got no HTTP response: connection, TLS, timeout, or cancelled.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case connect, tls, timeout, cancelled, other
    }

    /// libcurl's result code (0 when the transport itself ended the request).
    public let code: Int
    public let kind: Kind
    public let message: String
    public let method: String
    public let url: String
    /// True when part of the response (or a whole head) had arrived before the failure.
    public let receivedResponse: Bool

    public var description: String { "\(method) \(url): \(message) (libcurl error \(code))" }
}
