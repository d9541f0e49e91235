import Foundation

/// Sends one request over a new connection and reads the reply as it arrives: the head, then the body
/// framed by `Content-Length`, by `Transfer-Encoding: chunked`, or by the end of the connection.
enum HTTPExchange {
    /// Performs `request`; body bytes go to `onBody` with the reply's status as they are decoded. Returns the
    /// status. Throws `HTTPFailure` when the server cannot be reached or the reply breaks off before its end.
    static func perform(_ request: RemoteRequest, onBody: (_ status: Int, _ bytes: Data) -> Void) throws -> Int {
        guard request.base.scheme == "http" else {
            throw HTTPFailure(description: "\(request.base.scheme ?? "this") URLs are not supported; use http://")
        }
        var host = request.base.host ?? "127.0.0.1"
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = request.base.port ?? 80
        let connection = try SocketConnection(host: host, port: port, timeout: request.timeout)
        let hostHeader = (host.contains(":") ? "[\(host)]" : host) + (request.base.port.map { ":\($0)" } ?? "")
        try connection.write(request.serialized(host: hostHeader))
        var reader = ReplyReader()
        while true {
            let bytes = try connection.read()
            if bytes.isEmpty {
                try reader.finish()
                break
            }
            if try reader.feed(bytes, onBody: onBody) { break }
        }
        guard let status = reader.status else { throw HTTPFailure(description: "the server closed the connection without a reply") }
        return status
    }
}

/// An HTTP/1.1 reply parsed incrementally.
struct ReplyReader {
    /// How the body's end is known.
    private enum Framing {
        case length(Int)
        case chunked
        case untilClose
    }

    private(set) var status: Int?
    private var pending = Data()
    private var framing: Framing?
    private var chunks = ChunkDecoder()

    /// Takes the next bytes; true once the whole reply has arrived.
    mutating func feed(_ bytes: Data, onBody: (Int, Data) -> Void) throws -> Bool {
        pending.append(bytes)
        while framing == nil {
            guard let end = pending.range(of: Data("\r\n\r\n".utf8)) else {
                if pending.count > 64 * 1024 { throw HTTPFailure(description: "the server's reply head is too long") }
                return false
            }
            // A 1xx head leaves the framing unset: the real head follows.
            try readHead(pending[pending.startIndex..<end.lowerBound])
            pending = Data(pending[end.upperBound...])
        }
        switch framing! {
        case .length(let remaining):
            let take = min(remaining, pending.count)
            if take > 0 { onBody(status!, pending.prefix(take)) }
            pending = Data()
            framing = .length(remaining - take)
            return remaining - take == 0
        case .chunked:
            let body = try chunks.feed(pending)
            pending = Data()
            if !body.isEmpty { onBody(status!, body) }
            return chunks.finished
        case .untilClose:
            if !pending.isEmpty { onBody(status!, pending) }
            pending = Data()
            return false
        }
    }

    /// The connection ended: fine for a body that runs until the close, a failure for one cut short.
    func finish() throws {
        switch framing {
        case nil: throw HTTPFailure(description: status == nil ? "the server closed the connection without a reply" : "the reply broke off")
        case .untilClose: return
        case .length(let remaining) where remaining == 0: return
        case .chunked where chunks.finished: return
        default: throw HTTPFailure(description: "the server closed the connection before the reply was complete")
        }
    }

    private mutating func readHead(_ head: Data) throws {
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let code = Int(parts[1]) else {
            throw HTTPFailure(description: "the server's reply is not HTTP/1.1: \(lines[0].prefix(80))")
        }
        var length: Int?
        var chunked = false
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "content-length" { length = Int(value) }
            if name == "transfer-encoding", value.lowercased().contains("chunked") { chunked = true }
        }
        // 1xx (100 Continue) carries no body and is followed by the real head.
        if (100..<200).contains(code) { return }
        status = code
        framing = chunked ? .chunked : length.map { .length($0) } ?? .untilClose
    }
}

/// Undoes `Transfer-Encoding: chunked` as bytes arrive (chunk boundaries fall anywhere).
struct ChunkDecoder {
    private var pending = Data()
    /// Bytes left of the current chunk, then its CRLF.
    private var remaining = 0
    private var inTrailer = false
    private(set) var finished = false

    mutating func feed(_ data: Data) throws -> Data {
        pending.append(data)
        var out = Data()
        while !finished {
            if remaining > 0 {
                let take = min(remaining, pending.count)
                guard take > 0 else { break }
                out.append(pending.prefix(take))
                pending = Data(pending.dropFirst(take))
                remaining -= take
                if remaining > 0 { break }
                // The CRLF after the chunk's data.
                remaining = -2
            }
            if remaining < 0 {
                guard pending.count >= 2 else { break }
                pending = Data(pending.dropFirst(2))
                remaining = 0
            }
            guard let eol = pending.range(of: Data("\r\n".utf8)) else { break }
            let line = String(decoding: pending[pending.startIndex..<eol.lowerBound], as: UTF8.self)
            pending = Data(pending[eol.upperBound...])
            if inTrailer {
                if line.isEmpty { finished = true }
                continue
            }
            let sizeText = line.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard let size = Int(sizeText, radix: 16), size >= 0 else {
                throw HTTPFailure(description: "the server's chunked reply is malformed")
            }
            if size == 0 { inTrailer = true } else { remaining = size }
        }
        return out
    }
}
