import CCurl
import Foundation

/// Puts one request onto an easy handle: URL, method, headers, body, timeouts, TLS and the callbacks.
enum CurlSetup {
    static func configure(_ easy: UnsafeMutableRawPointer, for t: CurlTransfer, tls: TLSOptions) -> TransportError? {
        let r = t.request
        func failure(_ what: String) -> TransportError {
            TransportError(code: Int(CURLE_BAD_FUNCTION_ARGUMENT.rawValue), kind: .other, message: what,
                           method: r.method, url: r.url, receivedResponse: false)
        }
        var url = r.url
        if let name = tls.serverName, let target = URLParts(url), target.scheme == "https" {
            // Verify (and send SNI) for `name` while connecting to the URL's own host and port.
            url = "https://\(name):\(target.port)\(target.rest)"
            let connectTo = curl_slist_append(nil, "\(name):\(target.port):\(target.host):\(target.port)")
            ccurl_setopt_slist(easy, CURLOPT_CONNECT_TO, connectTo)
            t.connectTo = connectTo
        }
        guard ccurl_setopt_str(easy, CURLOPT_URL, url) == CURLE_OK else { return failure("bad URL \(r.url)") }
        ccurl_setopt_ptr(easy, CURLOPT_ERRORBUFFER, t.errorBuffer)
        ccurl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        ccurl_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1)
        ccurl_setopt_long(easy, CURLOPT_TCP_NODELAY, 1)
        ccurl_setopt_str(easy, CURLOPT_ACCEPT_ENCODING, "gzip")
        ccurl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(r.connectTimeout))
        if let timeout = r.timeout { ccurl_setopt_long(easy, CURLOPT_TIMEOUT_MS, milliseconds(timeout)) }
        if let idle = r.idleTimeout {
            ccurl_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, 1)
            ccurl_setopt_long(easy, CURLOPT_LOW_SPEED_TIME, max(1, milliseconds(idle) / 1000))
        }
        if let socket = r.unixSocketPath {
            guard ccurl_setopt_str(easy, CURLOPT_UNIX_SOCKET_PATH, socket) == CURLE_OK else { return failure("bad socket path \(socket)") }
        }
        if let proxy = tls.proxyURL, r.unixSocketPath == nil { ccurl_setopt_str(easy, CURLOPT_PROXY, proxy) }
        // Like Go's ProxyFromEnvironment: loopback never goes through a proxy.
        ccurl_setopt_str(easy, CURLOPT_NOPROXY, noProxy)
        setMethodAndBody(easy, r)
        var list: UnsafeMutablePointer<curl_slist>?
        for (name, value) in r.headers { list = curl_slist_append(list, "\(name): \(value)") }
        list = curl_slist_append(list, "Expect:")  // no 100-continue round trip for large bodies
        t.headerList = list
        ccurl_setopt_slist(easy, CURLOPT_HTTPHEADER, list)
        if let error = setTLS(easy, tls) { return failure(error) }
        let me = Unmanaged.passRetained(t).toOpaque()  // released when the transfer finishes
        ccurl_setopt_ptr(easy, CURLOPT_WRITEDATA, me)
        ccurl_setopt_ptr(easy, CURLOPT_HEADERDATA, me)
        ccurl_setopt_datafn(easy, CURLOPT_WRITEFUNCTION, writeCallback)
        ccurl_setopt_datafn(easy, CURLOPT_HEADERFUNCTION, headerCallback)
        return nil
    }

    static func setMethodAndBody(_ easy: UnsafeMutableRawPointer, _ r: HTTPRequest) {
        switch r.method {
        case "GET" where r.body == nil: ccurl_setopt_long(easy, CURLOPT_HTTPGET, 1)
        case "HEAD": ccurl_setopt_long(easy, CURLOPT_NOBODY, 1)
        default:
            if r.method != "POST" { ccurl_setopt_str(easy, CURLOPT_CUSTOMREQUEST, r.method) }
            if let body = r.body, !body.isEmpty {
                ccurl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
                body.withUnsafeBytes { _ = ccurl_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress!)) }
            } else if r.body != nil || r.method == "POST" {
                ccurl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, 0)
                ccurl_setopt_str(easy, CURLOPT_COPYPOSTFIELDS, "")
            }
        }
    }

    static func setTLS(_ easy: UnsafeMutableRawPointer, _ tls: TLSOptions) -> String? {
        if tls.insecureSkipVerify {
            ccurl_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 0)
            ccurl_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 0)
        } else {
            ccurl_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1)
            ccurl_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2)
        }
        if let ca = tls.caPEM {
            let rc = ca.withUnsafeBytes { ccurl_setopt_blob(easy, CURLOPT_CAINFO_BLOB, $0.baseAddress, $0.count) }
            if rc != CURLE_OK { return "this libcurl cannot take a CA bundle from memory (CURLOPT_CAINFO_BLOB)" }
        }
        if let cert = tls.clientCertificatePEM {
            cert.withUnsafeBytes { _ = ccurl_setopt_blob(easy, CURLOPT_SSLCERT_BLOB, $0.baseAddress, $0.count) }
            ccurl_setopt_str(easy, CURLOPT_SSLCERTTYPE, "PEM")
        }
        if let key = tls.clientKeyPEM {
            key.withUnsafeBytes { _ = ccurl_setopt_blob(easy, CURLOPT_SSLKEY_BLOB, $0.baseAddress, $0.count) }
            ccurl_setopt_str(easy, CURLOPT_SSLKEYTYPE, "PEM")
        }
        return nil
    }

    static let noProxy: String = {
        let env = ProcessInfo.processInfo.environment
        let listed = env["NO_PROXY"] ?? env["no_proxy"] ?? ""
        return (listed.isEmpty ? "" : listed + ",") + "localhost,127.0.0.1,::1"
    }()

    static func milliseconds(_ d: Duration) -> Int {
        let (s, atto) = d.components
        return Int(s) * 1000 + Int(atto / 1_000_000_000_000_000)
    }
}

/// scheme://host:port/rest, with the default port filled in.
struct URLParts {
    var scheme: String
    var host: String
    var port: Int
    var rest: String

    init?(_ url: String) {
        guard let sep = url.range(of: "://") else { return nil }
        scheme = String(url[..<sep.lowerBound]).lowercased()
        let afterScheme = url[sep.upperBound...]
        let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" } ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        rest = String(afterScheme[authorityEnd...])
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = String(authority[...close])
            let after = authority[authority.index(after: close)...]
            port = after.hasPrefix(":") ? Int(after.dropFirst()) ?? 0 : (scheme == "https" ? 443 : 80)
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            port = Int(authority[authority.index(after: colon)...]) ?? 0
        } else {
            host = String(authority)
            port = scheme == "https" ? 443 : 80
        }
    }
}

private let writeCallback: ccurl_data_fn = { data, size, count, userdata in
    let t = Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
    let n = size * count
    let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(data!).assumingMemoryBound(to: UInt8.self), count: n)
    return t.receiveBody(bytes)
}

private let headerCallback: ccurl_data_fn = { data, size, count, userdata in
    let t = Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
    let n = size * count
    t.receiveHeaderLine(UnsafeBufferPointer(start: UnsafeRawPointer(data!).assumingMemoryBound(to: UInt8.self), count: n))
    t.deliverHeadIfReady()
    return n
}
