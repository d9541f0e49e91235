import Glibc
import NIOCore

extension APIServer.ListenFailure {
    /// Binds `host:port` once and lets go: the failure a server start would meet there (address in use, no
    /// permission, no such interface), found before `sluice serve` writes anything. `host` is numeric; port 0 always
    /// binds. A probe that cannot be made says nothing (the real bind reports it).
    public static func probe(host: String, port: Int) -> APIServer.ListenFailure? {
        guard port != 0 else { return nil }
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let info = found else { return nil }
        defer { freeaddrinfo(found) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // As the server binds (NIO sets SO_REUSEADDR): a port in TIME_WAIT is not "in use".
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 else { return nil }
        return APIServer.ListenFailure(IOError(errnoCode: errno, reason: "bind"), host: host, port: port)
    }
}
