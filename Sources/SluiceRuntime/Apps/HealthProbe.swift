#if os(Linux)
import Foundation
import Glibc

/// One HTTP health check of a replica: `GET path` on 127.0.0.1:port, healthy on a 2xx or 3xx status within the
/// timeout. Runs on a thread of its own (blocking socket calls never touch the Swift pool).
enum HealthProbe {
    /// nil when healthy, else why not (refused, timed out, status 500, ...).
    static func check(port: Int, path: String, timeout: Double) async -> String? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: blockingCheck(port: port, path: path, timeout: timeout)) }
        }
    }

    static func blockingCheck(port: Int, path: String, timeout: Double) -> String? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return "cannot open a socket: \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        // On Linux the send timeout bounds connect too.
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return describe(errno, what: "connect") }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1:\(port)\r\nUser-Agent: sluice-health\r\nConnection: close\r\n\r\n".utf8)
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { return describe(errno, what: "send") }
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while !head.contains(0x0a) && head.count < 4096 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 { return describe(errno, what: "read") }
            if n == 0 { break }
            head += buffer[0..<n]
        }
        let line = String(decoding: head.prefix { $0 != 0x0a && $0 != 0x0d }, as: UTF8.self)
        let parts = line.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            return head.isEmpty ? "the connection closed without a response" : "not an HTTP response: \(line.prefix(80))"
        }
        return (200..<400).contains(status) ? nil : "status \(status)"
    }

    private static func describe(_ code: Int32, what: String) -> String {
        switch code {
        case ECONNREFUSED: "connection refused"
        case EAGAIN, ETIMEDOUT, EINPROGRESS: "timed out"
        default: "\(what) failed: \(String(cString: strerror(code)))"
        }
    }
}
#endif
