import Foundation

/// Whether a host is this machine's loopback, judged by address, never by how its name looks: a name such as
/// `127.wild.test` may resolve anywhere.
enum HostAddress {
    /// The numeric addresses `host` resolves to (a literal resolves to itself), in resolver order.
    static func resolve(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(list) }
        var out: [String] = []
        var p: UnsafeMutablePointer<addrinfo>? = first
        while let a = p {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(a.pointee.ai_addr, a.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !out.contains(text) { out.append(text) }
            }
            p = a.pointee.ai_next
        }
        return out
    }

    /// Whether `host` is written as a numeric address (no resolver involved).
    static func isLiteral(_ host: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// Whether a numeric address is loopback: 127.0.0.0/8 or ::1.
    static func isLoopbackNumeric(_ address: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, address, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        if inet_pton(AF_INET6, address, &v6) == 1 { return address == "::1" || address == "0:0:0:0:0:0:0:1" }
        return false
    }

    /// A host that may serve without tokens and receive the local admin token: a literal loopback address,
    /// or `localhost` when every address it resolves to is loopback. Other names never qualify.
    static func isTrustedLoopback(_ host: String) -> Bool {
        if isLiteral(host) { return isLoopbackNumeric(host) }
        guard host == "localhost" else { return false }
        let addresses = resolve(host)
        return !addresses.isEmpty && addresses.allSatisfy(isLoopbackNumeric)
    }
}
