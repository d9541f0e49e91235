import NIOCore
import NIOHTTP1
import NIOPosix
import SluiceRuntime
import Synchronization

/// One keep-alive HTTP/1.1 connection to one replica. A long-lived task owns the channel (`executeThenClose`)
/// and is the only reader of its inbound stream: it takes exchanges one at a time, and after each clean one puts
/// the connection back in its `ReplicaPool`; any other ending closes it.
final class ReplicaConnection: Sendable {
    typealias Channel = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>

    private enum Slot {
        case empty
        case pending(ReplicaExchange)
        case waiting(CheckedContinuation<ReplicaExchange?, Never>)
        case closed
    }
    private let slot = Mutex(Slot.empty)
    private let channel: any NIOCore.Channel
    /// Exchanges handed to it so far (a reused connection's failure before a response is a stale connection).
    private let served = Atomic<Int>(0)
    /// When it last went back to its pool (uptime nanoseconds), for the pool's idle limit.
    let idleSince = Atomic<UInt64>(0)

    private init(channel: any NIOCore.Channel) { self.channel = channel }

    /// Whether the replica side is still open.
    var isActive: Bool { channel.isActive }

    /// Connects to `address` (a replica's loopback port, or an app's Service) and starts the connection's task,
    /// which runs `first` and then serves `pool`; `.refused` when nothing listens there.
    static func open(_ address: AppAddress, pool: ReplicaPool, first: ReplicaExchange) async throws(ReplicaExchange.Failure) {
        let watch = ConnectionWatch()
        let asyncChannel: Channel
        do {
            asyncChannel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(5))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: address.host, port: address.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(watch.handler())
                        return try Channel(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw .refused("\(error)")
        }
        let connection = ReplicaConnection(channel: asyncChannel.channel)
        _ = connection.submit(first)
        Task.detached {
            try? await asyncChannel.executeThenClose { inbound, outbound in
                var iterator = inbound.makeAsyncIterator()
                while let exchange = await connection.next() {
                    let reused = connection.served.wrappingAdd(1, ordering: .relaxed).oldValue > 0
                    guard await exchange.run(&iterator, outbound, watch: watch, reused: reused) else { break }
                    guard pool.checkin(connection) else { break }
                }
            }
            connection.retire()
        }
    }

    /// Hands the connection its next exchange; false when it closed meanwhile (the caller uses another).
    func submit(_ exchange: ReplicaExchange) -> Bool {
        enum Outcome { case queued, resume(CheckedContinuation<ReplicaExchange?, Never>), refused }
        let outcome: Outcome = slot.withLock { s in
            switch s {
            case .empty:
                s = .pending(exchange)
                return .queued
            case .waiting(let continuation):
                s = .empty
                return .resume(continuation)
            case .pending, .closed:
                return .refused
            }
        }
        switch outcome {
        case .queued: return true
        case .resume(let waiter):
            waiter.resume(returning: exchange)
            return true
        case .refused: return false
        }
    }

    /// Closes an idle connection: its task ends and the channel closes.
    func retire() {
        let waiter: CheckedContinuation<ReplicaExchange?, Never>? = slot.withLock { s in
            defer { s = .closed }
            if case .waiting(let continuation) = s { return continuation }
            return nil
        }
        waiter?.resume(returning: nil)
        channel.close(promise: nil)
    }

    /// The next exchange, or nil once retired.
    private func next() async -> ReplicaExchange? {
        await withCheckedContinuation { continuation in
            let ready: ReplicaExchange?? = slot.withLock { s in
                switch s {
                case .pending(let exchange):
                    s = .empty
                    return .some(exchange)
                case .closed:
                    return .some(nil)
                case .empty, .waiting:
                    s = .waiting(continuation)
                    return nil
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
