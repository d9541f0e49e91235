import Foundation

/// Where each server over a store can be reached, by lease owner: `<store>/servers/<owner>.url`. A task's
/// callback may reach a server that does not drive its run (the run moved after a restart or a failover);
/// that server finds the driver here and relays the callback to it.
struct ServerRegistry: Sendable {
    let directory: String

    init(storeDirectory: String) {
        directory = storeDirectory + "/servers"
    }

    /// Records this server's base URL under its lease owner name (owner-only file, written whole).
    func record(owner: String, url: String) {
        mkdir(directory, 0o700)
        let path = file(owner), temporary = path + ".tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let bytes = Array((url + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        rename(temporary, path)
    }

    /// Forgets this server (on a graceful stop).
    func remove(owner: String) { unlink(file(owner)) }

    /// The base URL the server with this lease owner name recorded, if any.
    func url(owner: String) -> String? {
        guard let text = try? String(contentsOfFile: file(owner), encoding: .utf8) else { return nil }
        let url = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return url.isEmpty ? nil : url
    }

    private func file(_ owner: String) -> String {
        let safe = owner.unicodeScalars.map { s -> String in
            CharacterSet.alphanumerics.contains(s) && s.isASCII || s == "-" || s == "_" || s == "." ? String(s) : "%" + String(s.value, radix: 16)
        }.joined()
        return directory + "/" + safe + ".url"
    }
}

/// Relays one callback to the server that drives the run: a small blocking HTTP/1.1 POST over loopback or
/// the network (plain http, as servers talk to tasks), run on a store thread.
enum CallbackRelay {
    /// The header that marks a relayed callback, so it is never relayed twice.
    static let header = "X-Sluice-Relayed"

    struct Reply: Sendable {
        var status: Int
        var body: [UInt8]
    }

    /// POSTs `body` to `base` + `path` with the task's authorization; nil when the server cannot be reached.
    static func post(base: String, path: String, authorization: String?, body: [UInt8], timeout: Int = 10) -> Reply? {
        guard let url = URL(string: base), url.scheme == "http", let host = url.host else { return nil }
        let port = url.port ?? 80
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let info = list else { return nil }
        defer { freeaddrinfo(list) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else { return nil }
        var head = "POST \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Type: application/json\r\n"
        head += "Content-Length: \(body.count)\r\nConnection: close\r\n\(header): 1\r\n"
        if let authorization { head += "Authorization: \(authorization)\r\n" }
        let request = Array((head + "\r\n").utf8) + body
        var sent = 0
        while sent < request.count {
            let n = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            sent += n
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while response.count < 1 << 20 {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            response += buffer[0..<n]
        }
        // "HTTP/1.1 202 Accepted": the status is the second word of the first line.
        guard let lineEnd = response.firstIndex(of: 0x0d) else { return nil }
        let words = String(decoding: response[..<lineEnd], as: UTF8.self).split(separator: " ")
        guard words.count >= 2, let status = Int(words[1]) else { return nil }
        let bodyStart = findHeaderEnd(response).map { $0 + 4 } ?? response.count
        return Reply(status: status, body: Array(response[bodyStart...]))
    }

    private static func findHeaderEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 0x0d && bytes[i + 1] == 0x0a && bytes[i + 2] == 0x0d && bytes[i + 3] == 0x0a {
            return i
        }
        return nil
    }
}
