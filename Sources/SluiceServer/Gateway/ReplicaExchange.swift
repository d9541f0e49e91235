import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// One request forwarded to one replica over a fresh loopback connection: the request body is streamed up while
/// the response is read; the response head is returned, its body follows through a `Handoff`. A watchdog closes
/// the connection when the replica sends nothing for the app's request timeout.
struct ReplicaExchange {
    typealias Connection = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>

    /// Why forwarding failed before a response head arrived.
    enum Failure: Error {
        case refused(String)
        case timedOut
        case broken(String)
    }

    /// Connects to 127.0.0.1:`port`; `.refused` when nothing listens there (the request may go to another replica).
    static func connect(port: Int) async throws(Failure) -> Connection {
        do {
            return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(5))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: "127.0.0.1", port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try Connection(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw .refused("\(error)")
        }
    }

    /// Sends `head` and `body` on `connection` and returns the response head; body parts go to `handoff`.
    static func start(_ connection: Connection, head: HTTPRequestHead, body: RequestBody, timeout: Double,
                      handoff: Handoff) async throws(Failure) -> HTTPResponseHead {
        let once = HeadOnce()
        let flags = ExchangeFlags()
        let result: Result<HTTPResponseHead, Failure> = await withCheckedContinuation { continuation in
            once.set(continuation)
            // Nothing from the replica for `timeout`: give up on it.
            let channel = connection.channel
            let watchdog = Task {
                var seen = 0
                while !flags.finished.load(ordering: .relaxed) {
                    try? await Task.sleep(nanoseconds: UInt64(min(max(timeout, 0.001), 86_400 * 366) * 1_000_000_000))
                    let now = flags.progress.load(ordering: .relaxed)
                    if flags.finished.load(ordering: .relaxed) { break }
                    if now == seen {
                        once.resume(.failure(.timedOut))
                        handoff.cancel("the replica sent nothing for \(timeout) s")
                        channel.close(promise: nil)
                        break
                    }
                    seen = now
                }
            }
            Task {
                do {
                    try await connection.executeThenClose { inbound, outbound in
                        try await outbound.write(.head(head))
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            group.addTask {
                                for try await part in body { try await outbound.write(.body(.byteBuffer(part))) }
                                try await outbound.write(.end(nil))
                            }
                            defer { group.cancelAll() }
                            for try await part in inbound {
                                flags.progress.add(1, ordering: .relaxed)
                                switch part {
                                case .head(let response):
                                    if response.status.code >= 100 && response.status.code < 200 { continue }
                                    once.resume(.success(response))
                                case .body(let buffer):
                                    guard await handoff.put(.part(buffer)) else { return }
                                    flags.progress.add(1, ordering: .relaxed)
                                case .end:
                                    flags.finished.store(true, ordering: .relaxed)
                                    _ = await handoff.put(.end)
                                    return
                                }
                            }
                            once.resume(.failure(.broken("the replica closed the connection without a response")))
                            _ = await handoff.put(.failed("the replica closed the connection before the response ended"))
                        }
                    }
                } catch {
                    once.resume(.failure(.broken("\(error)")))
                    handoff.cancel("the connection to the replica failed: \(error)")
                }
                flags.finished.store(true, ordering: .relaxed)
                watchdog.cancel()
            }
        }
        return try result.get()
    }
}

/// Resumes the wait for a response head exactly once.
private final class HeadOnce: Sendable {
    private let continuation = Mutex<CheckedContinuation<Result<HTTPResponseHead, ReplicaExchange.Failure>, Never>?>(nil)

    func set(_ c: CheckedContinuation<Result<HTTPResponseHead, ReplicaExchange.Failure>, Never>) {
        continuation.withLock { $0 = c }
    }

    func resume(_ result: Result<HTTPResponseHead, ReplicaExchange.Failure>) {
        continuation.withLock { c in
            defer { c = nil }
            return c
        }?.resume(returning: result)
    }
}

/// What the watchdog reads of an exchange: parts moved so far, and whether it ended.
private final class ExchangeFlags: Sendable {
    let progress = Atomic<Int>(0)
    let finished = Atomic<Bool>(false)
}
