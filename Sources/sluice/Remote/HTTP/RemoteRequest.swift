import Foundation

/// One HTTP/1.1 request to a sluice server: method, target (path and query, already percent-encoded), headers,
/// body, and how long to wait for the next bytes before giving up.
struct RemoteRequest: Sendable {
    var method: String
    /// The server's address: `http://host:port`, maybe with a path prefix.
    var base: URL
    /// `/api/v1/...?query`, percent-encoded.
    var target: String
    var headers: [(name: String, value: String)] = []
    var body: Data?
    /// Seconds to wait to connect and, after that, for each read.
    var timeout: TimeInterval = 60

    /// Replaces (or adds) header `name`.
    mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.name.lowercased() == name.lowercased() }
        headers.append((name, value))
    }

    /// `path` below the base's own path, and `query` sorted by name (stable requests, easy to read in logs).
    static func target(base: URL, path: String, query: [String: String]) -> String {
        let prefix = base.path.hasSuffix("/") ? String(base.path.dropLast()) : base.path
        var components = URLComponents()
        components.queryItems = query.isEmpty ? nil : query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        let encodedQuery = components.percentEncodedQuery.map { "?" + $0 } ?? ""
        return prefix + path + encodedQuery
    }

    /// The request head and body as sent: `Connection: close`, so the reply ends where the connection does
    /// when it has no length of its own.
    func serialized(host: String) -> Data {
        var lines = ["\(method) \(target) HTTP/1.1", "Host: \(host)", "Connection: close", "User-Agent: sluice"]
        if let body { lines.append("Content-Length: \(body.count)") } else if method == "POST" { lines.append("Content-Length: 0") }
        lines += headers.map { "\($0.name): \($0.value)" }
        var data = Data((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
        if let body { data.append(body) }
        return data
    }
}

/// Why an exchange with the server failed before a whole reply arrived.
struct HTTPFailure: Error, CustomStringConvertible {
    var description: String
}
