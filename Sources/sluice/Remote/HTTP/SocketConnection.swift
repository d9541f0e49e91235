import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One TCP connection, blocking, with a timeout on connecting and on every read: the transport of the CLI's
/// remote client. Plain POSIX sockets, so a local command never loads an HTTP stack it does not use.
final class SocketConnection {
    private let fd: Int32

    /// Connects to `host:port` (a name, an IPv4 or an IPv6 address), trying each address the name has.
    init(host: String, port: Int, timeout: TimeInterval) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw HTTPFailure(description: "cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var lastError: Int32 = ECONNREFUSED
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let address = cursor {
            cursor = address.pointee.ai_next
            let s = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard s >= 0 else { lastError = errno; continue }
            // On Linux the send timeout bounds connect() too.
            Self.setTimeout(s, SO_SNDTIMEO, timeout)
            Self.setTimeout(s, SO_RCVTIMEO, timeout)
            var result: Int32
            repeat { result = connect(s, address.pointee.ai_addr, address.pointee.ai_addrlen) } while result != 0 && errno == EINTR
            if result == 0 {
                fd = s
                return
            }
            lastError = errno
            close(s)
        }
        throw HTTPFailure(description: Self.reason(lastError))
    }

    deinit { close(fd) }

    /// Sends all of `data`; a peer that closed is an error.
    func write(_ data: Data) throws {
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                #if canImport(Glibc)
                let n = send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                #else
                let n = send(fd, buffer.baseAddress! + offset, buffer.count - offset, 0)
                #endif
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw HTTPFailure(description: "sending the request failed: \(Self.reason(errno))") }
                offset += n
            }
        }
    }

    /// The next bytes; empty at the end of the stream. A read that waits past the timeout fails.
    func read() throws -> Data {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n >= 0 { return Data(buffer[0..<n]) }
            // Signals (a child's SIGCHLD) interrupt a blocking read; that is not the end of the stream.
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw HTTPFailure(description: "the server sent nothing for too long (timed out)") }
            throw HTTPFailure(description: "reading the reply failed: \(Self.reason(errno))")
        }
    }

    private static func setTimeout(_ fd: Int32, _ option: Int32, _ seconds: TimeInterval) {
        let whole = seconds.rounded(.down)
        var value = timeval(tv_sec: Int(whole), tv_usec: .init((seconds - whole) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    static func reason(_ code: Int32) -> String {
        switch code {
        case ECONNREFUSED: "connection refused"
        case EAGAIN, EINPROGRESS, ETIMEDOUT: "connecting timed out"
        default: String(cString: strerror(code)).lowercased()
        }
    }
}
