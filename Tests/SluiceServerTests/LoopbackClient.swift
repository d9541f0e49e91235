import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking HTTP/1.1 client over a TCP socket to 127.0.0.1: one request per connection. Tests call it from
/// XCTest's main thread, never from the concurrency pool the server's handlers run on.
struct LoopbackClient {
    let port: Int
    /// Sent as `Authorization: Bearer` unless the request names its own.
    var token: String? = nil
    /// Another address of this machine (the server's listener on a container network).
    var host = "127.0.0.1"

    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: Data

        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
        /// The `error` object of an error reply.
        var error: [String: Any] { json["error"] as? [String: Any] ?? [:] }
    }

    enum Failure: Error { case connect(Int32), closed, badReply(String) }

    func get(_ path: String, headers: [String: String] = [:]) throws -> Reply {
        try send("GET", path, body: nil, headers: headers)
    }

    func post(_ path: String, json: Any, headers: [String: String] = [:]) throws -> Reply {
        try send("POST", path, body: try JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed]), headers: headers)
    }

    func post(_ path: String, raw: Data, headers: [String: String] = [:]) throws -> Reply {
        try send("POST", path, body: raw, headers: headers)
    }

    func send(_ method: String, _ path: String, body: Data?, headers: [String: String]) throws -> Reply {
        let connection = try Connection(port: port, host: host)
        defer { connection.close() }
        var headers = headers
        if let token, headers["Authorization"] == nil { headers["Authorization"] = "Bearer \(token)" }
        connection.write(Self.head(method, path, body: body, headers: headers) + (body ?? Data()))
        var raw = Data()
        while let chunk = connection.read() { raw.append(chunk) }
        guard !raw.isEmpty else { throw Failure.badReply("\(method) \(path): the connection closed without a reply (errno \(errno))") }
        return try Self.parse(raw)
    }

    static func head(_ method: String, _ path: String, body: Data?, headers: [String: String]) -> Data {
        var lines = ["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
        if let body { lines += ["Content-Type: application/json", "Content-Length: \(body.count)"] }
        lines += headers.map { "\($0.key): \($0.value)" }
        return Data((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }

    static func parse(_ raw: Data) throws -> Reply {
        guard let split = raw.range(of: Data("\r\n\r\n".utf8)) else { throw Failure.badReply(String(decoding: raw, as: UTF8.self)) }
        let (status, headers) = try parseHead(raw[..<split.lowerBound])
        var body = Data(raw[split.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            var decoder = ChunkDecoder()
            body = decoder.feed(body)
        }
        return Reply(status: status, headers: headers, body: body)
    }

    static func parseHead(_ head: Data) throws -> (Int, [String: String]) {
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure.badReply(lines[0]) }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (status, headers)
    }
}

/// Undoes `Transfer-Encoding: chunked` on bytes as they arrive (chunk boundaries fall anywhere).
struct ChunkDecoder {
    private var pending = Data()
    private var remaining = 0
    private(set) var finished = false

    mutating func feed(_ data: Data) -> Data {
        pending.append(data)
        var out = Data()
        while !finished {
            if remaining > 0 {
                guard pending.count >= remaining + 2 else {
                    // Take what is there of the chunk; keep waiting for the rest.
                    let take = min(remaining, pending.count)
                    out.append(pending.prefix(take))
                    pending.removeFirst(take)
                    remaining -= take
                    break
                }
                out.append(pending.prefix(remaining))
                pending.removeFirst(remaining + 2)
                remaining = 0
                continue
            }
            guard let eol = pending.range(of: Data("\r\n".utf8)) else { break }
            let sizeText = String(decoding: pending[pending.startIndex..<eol.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            pending.removeSubrange(pending.startIndex..<eol.upperBound)
            pending = Data(pending)
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { finished = true; break }
            if size == 0 { finished = true; break }
            remaining = size
        }
        pending = Data(pending)
        return out
    }
}

/// One TCP connection to 127.0.0.1 (or another IPv4 address of this machine).
final class Connection {
    let fd: Int32

    init(port: Int, host: String = "127.0.0.1") throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr(host)
        var rc: Int32 = 0
        repeat { rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } } while rc != 0 && (errno == EINTR || errno == EALREADY)
        if rc != 0 && errno != EISCONN {
            let e = errno
            Glibc.close(fd)
            throw LoopbackClient.Failure.connect(e)
        }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes everything it can; a peer that closed early (413) is not an error here.
    func write(_ data: Data) {
        data.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buf.count {
                let n = Glibc.send(fd, buf.baseAddress! + offset, buf.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }

    /// The next bytes, or nil at the end of the stream (or on a reset or timeout).
    func read() -> Data? {
        var buf = [UInt8](repeating: 0, count: 65536)
        var n = recv(fd, &buf, buf.count, 0)
        // Signals (the runner's SIGCHLD) interrupt a blocking read; it is not the end of the stream.
        while n < 0 && errno == EINTR { n = recv(fd, &buf, buf.count, 0) }
        return n > 0 ? Data(buf[0..<n]) : nil
    }

    func close() { Glibc.close(fd) }
}
