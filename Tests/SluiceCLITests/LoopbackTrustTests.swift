import Foundation
import Testing

/// Issue 13: loopback was judged by the host *name*. `--listen 127.wild.test:PORT` bound every interface
/// without tokens, and the CLI sent the local admin token over plain HTTP to any `127.*` name.
@Suite(.serialized) struct LoopbackTrustTests {
    @Test func aNameThatMerelyLooksLikeLoopbackNeedsTokensToServe() async throws {
        let ws = try Workspace()
        // /etc/hosts is not ours to edit; a name that does not resolve is refused before anything binds, and a
        // name is never trusted as loopback whatever it resolves to.
        let out = try await ws.sluice(["serve", "--store", ws.store, "--listen", "127.wild.test:0"])
        #expect(out.status == 2, "\(out.stdout)\(out.stderr)")
        #expect(out.stderr.contains("127.wild.test"), "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ws.store + "/admin.token"))
        // A name that does resolve to loopback (from /etc/hosts, when it has one besides localhost) is still a
        // name: without tokens the server refuses to start.
        let hosts = (try? String(contentsOfFile: "/etc/hosts", encoding: .utf8)) ?? ""
        let alias = hosts.split(separator: "\n").compactMap { line -> String? in
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count >= 2, f[0].hasPrefix("127."), !f[0].hasPrefix("#") else { return nil }
            return f.dropFirst().map(String.init).first { $0 != "localhost" && !$0.hasPrefix("#") }
        }.first
        if let alias {
            let named = try await ws.sluice(["serve", "--store", ws.store, "--listen", "\(alias):0"])
            #expect(named.status == 2, "\(named.stdout)\(named.stderr)")
            #expect(named.stderr.contains("no tokens"), "\(named.stderr)")
            #expect(!FileManager.default.fileExists(atPath: ws.store + "/admin.token"))
        }
    }

    @Test func theLocalAdminTokenGoesOnlyToTheServerThatWroteIt() async throws {
        let ws = try Workspace()
        let server = try await RemoteServer.start(ws)
        defer { server.terminate() }
        #expect(FileManager.default.fileExists(atPath: ws.store + "/admin.token"))
        // The right server: the token is sent and accepted.
        let ok = try await ws.sluice(["list", "-o", "json", "--server", server.url])
        #expect(ok.status == 0, "\(ok.stderr)")
        // Another loopback port (a listener that records what it is sent): the token is not sent.
        let spy = try Spy()
        spy.start()
        defer { spy.close() }
        let other = try await ws.sluice(["list", "-o", "json", "--server", "http://127.0.0.1:\(spy.port)"])
        #expect(other.status != 0)
        let token = try String(contentsOfFile: ws.store + "/admin.token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let seen = spy.received()
        #expect(!seen.isEmpty, "the CLI never connected")
        #expect(!seen.contains(token), "the admin token was sent to another server: \(seen)")
        #expect(other.stderr.contains("needs a token"), "\(other.stderr)")
    }
}

/// A loopback listener that answers 401 to one request and keeps what it received.
final class Spy: @unchecked Sendable {
    let fd: Int32
    let port: Int
    private var text = ""
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)

    init() throws {
        let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, len) } }
        guard bound == 0, listen(sock, 4) == 0 else { throw CLIFailure("spy cannot listen") }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(sock, $0, &len) } }
        fd = sock
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Accepts one connection on a thread of its own.
    func start() {
        let listener = fd
        Thread.detachNewThread { [self] in
            let c = accept(listener, nil, nil)
            guard c >= 0 else { done.signal(); return }
            var buffer = [UInt8](repeating: 0, count: 65536)
            var got = [UInt8]()
            while !String(decoding: got, as: UTF8.self).contains("\r\n\r\n") {
                let n = read(c, &buffer, buffer.count)
                if n <= 0 { break }
                got += buffer[0..<n]
            }
            lock.withLock { text = String(decoding: got, as: UTF8.self) }
            let reply = "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
            _ = reply.withCString { write(c, $0, strlen($0)) }
            Glibc.close(c)
            done.signal()
        }
    }

    func received() -> String {
        _ = done.wait(timeout: .now() + 20)
        return lock.withLock { text }
    }

    func close() { Glibc.close(fd) }
}
