import NIOCore
import NIOHTTP1
import Synchronization

/// Watches one replica connection from inside its pipeline. The request timeout: while an exchange is open, a
/// replica that sends nothing (and whose client takes nothing) for the timeout has its connection closed; one
/// event-loop timer per connection, re-armed from timestamps, so a request costs atomic stores, not a timer.
/// And whether the request's end was written: seen on the event loop before any response to it can be read,
/// so a response that ends first is known to have cut the request short.
final class ConnectionWatch: Sendable {
    private let open = Atomic<Bool>(false)
    private let requestEnded = Atomic<Bool>(false)
    private let lastActivity = Atomic<UInt64>(0)
    private let limit = Atomic<Int64>(Int64.max)
    private let fired = Atomic<Bool>(false)

    /// An exchange with a limit of `seconds` starts now.
    func begin(seconds: Double) {
        let nanos = min(max(seconds, 0.001), 86_400 * 366) * 1_000_000_000
        limit.store(Int64(nanos), ordering: .relaxed)
        fired.store(false, ordering: .relaxed)
        requestEnded.store(false, ordering: .relaxed)
        touch()
        open.store(true, ordering: .releasing)
    }

    /// The exchange ended (its response was read to the end, or it failed).
    func end() { open.store(false, ordering: .releasing) }

    /// Something moved: a part arrived from the replica or the client took one.
    func touch() { lastActivity.store(NIODeadline.now().uptimeNanoseconds, ordering: .relaxed) }

    /// True once the current request's end was written to the connection.
    var requestSent: Bool { requestEnded.load(ordering: .acquiring) }

    /// True once the timeout closed the connection during the current exchange.
    var hasFired: Bool { fired.load(ordering: .acquiring) }

    /// Nanoseconds until the open exchange times out (nil: it timed out now); `limit` when none is open.
    fileprivate func remaining() -> Int64? {
        let limit = self.limit.load(ordering: .relaxed)
        guard open.load(ordering: .acquiring) else { return limit == .max ? 1_000_000_000 : limit }
        let idle = Int64(clamping: NIODeadline.now().uptimeNanoseconds &- lastActivity.load(ordering: .relaxed))
        if idle >= limit {
            fired.store(true, ordering: .releasing)
            return nil
        }
        return limit - idle
    }

    /// The channel handler that counts replica reads as activity and closes the connection on timeout.
    func handler() -> Handler { Handler(self) }

    final class Handler: ChannelDuplexHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPClientResponsePart
        typealias InboundOut = HTTPClientResponsePart
        typealias OutboundIn = HTTPClientRequestPart
        typealias OutboundOut = HTTPClientRequestPart
        private let timeout: ConnectionWatch
        private var timer: Scheduled<Void>?

        fileprivate init(_ timeout: ConnectionWatch) { self.timeout = timeout }

        func handlerAdded(context: ChannelHandlerContext) {
            if context.channel.isActive { arm(context, in: 1_000_000_000) }
        }

        func channelActive(context: ChannelHandlerContext) {
            if timer == nil { arm(context, in: 1_000_000_000) }
            context.fireChannelActive()
        }

        func channelInactive(context: ChannelHandlerContext) {
            timer?.cancel()
            timer = nil
            context.fireChannelInactive()
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            timer?.cancel()
            timer = nil
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            timeout.touch()
            context.fireChannelRead(data)
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            if case .end = unwrapOutboundIn(data) { timeout.requestEnded.store(true, ordering: .releasing) }
            context.write(data, promise: promise)
        }

        private func arm(_ context: ChannelHandlerContext, in nanos: Int64) {
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            timer = context.eventLoop.scheduleTask(in: .nanoseconds(nanos)) {
                let (handler, context) = loopBound.value
                handler.check(context)
            }
        }

        private func check(_ context: ChannelHandlerContext) {
            timer = nil
            guard context.channel.isActive else { return }
            if let next = timeout.remaining() {
                arm(context, in: next)
            } else {
                context.close(promise: nil)
            }
        }
    }
}
