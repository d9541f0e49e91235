import Synchronization

/// A streamed response: its head, then its body as an `AsyncSequence` of chunks in arrival order.
/// Chunk boundaries are wherever the network put them. Dropping the stream (or `cancel()`) ends the
/// transfer.
public final class HTTPStreamResponse: Sendable {
    public let head: HTTPHead
    public let body: HTTPBodyStream

    init(head: HTTPHead, channel: BodyChannel) {
        self.head = head
        self.body = HTTPBodyStream(channel: channel)
    }

    public var status: Int { head.status }

    /// Ends the transfer; the body then finishes with a cancelled error.
    public func cancel() { body.channel.cancel() }

    deinit { body.channel.cancel() }
}

/// Body chunks of a streamed response. Bounded: when the reader falls behind by `highWater` bytes the
/// transfer pauses until the reader catches up, so a fast server cannot fill memory.
public struct HTTPBodyStream: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    let channel: BodyChannel

    public struct AsyncIterator: AsyncIteratorProtocol {
        let channel: BodyChannel

        public mutating func next() async throws -> [UInt8]? {
            let channel = channel
            return try await withTaskCancellationHandler {
                try await channel.take()
            } onCancel: {
                channel.cancel()
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(channel: channel) }
}

/// The hand-over between the libcurl thread (producer) and one reader.
final class BodyChannel: Sendable {
    struct State {
        var chunks: [[UInt8]] = []
        var head = 0
        var buffered = 0
        var paused = false
        var finished: Result<Void, TransportError>?
        var waiter: CheckedContinuation<[UInt8]?, Error>?
        var cancelled = false
    }

    let state = Mutex(State())
    let highWater: Int
    /// Called (from the reader's side) to ask the transport to resume a paused transfer or to cancel it.
    let onResume: @Sendable () -> Void
    let onCancel: @Sendable () -> Void

    init(highWater: Int = 4 << 20, onResume: @escaping @Sendable () -> Void, onCancel: @escaping @Sendable () -> Void) {
        self.highWater = highWater
        self.onResume = onResume
        self.onCancel = onCancel
    }

    /// Producer: hands over a chunk; false means "pause the transfer and offer it again later" (the
    /// chunk was not taken).
    func offer(_ chunk: [UInt8]) -> Bool {
        enum Outcome { case handed(CheckedContinuation<[UInt8]?, Error>), kept, refused }
        let outcome: Outcome = state.withLock { s in
            if s.cancelled { return .kept }  // dropped: the transfer is being ended
            if let w = s.waiter {
                s.waiter = nil
                return .handed(w)
            }
            if s.buffered >= highWater {
                s.paused = true
                return .refused
            }
            s.chunks.append(chunk)
            s.buffered += chunk.count
            return .kept
        }
        switch outcome {
        case .handed(let waiter):
            waiter.resume(returning: chunk)
            return true
        case .kept: return true
        case .refused: return false
        }
    }

    /// Producer: the body ended (successfully or not).
    func finish(_ result: Result<Void, TransportError>) {
        let waiter = state.withLock { s -> CheckedContinuation<[UInt8]?, Error>? in
            if s.finished == nil { s.finished = result }
            let w = s.waiter
            s.waiter = nil
            return w
        }
        guard let waiter else { return }
        switch result {
        case .success: waiter.resume(returning: nil)
        case .failure(let error): waiter.resume(throwing: error)
        }
    }

    /// Reader: the next chunk, nil at the end.
    func take() async throws -> [UInt8]? {
        var resume = false
        let ready = state.withLock { nextReady(&$0, resume: &resume) }
        if resume { onResume() }
        if let ready { return try ready.get() }
        return try await withCheckedThrowingContinuation { continuation in
            var resume = false
            // Looked at again under the lock: a chunk or the end may have come since.
            let ready: Result<[UInt8]?, Error>? = state.withLock { s in
                if let ready = nextReady(&s, resume: &resume) { return ready }
                s.waiter = continuation
                if s.paused {
                    s.paused = false
                    resume = true
                }
                return nil
            }
            if resume { onResume() }
            if let ready { continuation.resume(with: ready) }
        }
    }

    /// The next chunk, or how the body ended; nil when neither is there yet. Sets `resume` when taking
    /// the chunk brought a paused transfer below half the window.
    private func nextReady(_ s: inout State, resume: inout Bool) -> Result<[UInt8]?, Error>? {
        if s.head < s.chunks.count {
            let chunk = s.chunks[s.head]
            s.head += 1
            s.buffered -= chunk.count
            if s.head == s.chunks.count {
                s.chunks.removeAll(keepingCapacity: true)
                s.head = 0
            }
            if s.paused, s.buffered <= highWater / 2 {
                s.paused = false
                resume = true
            }
            return .success(chunk)
        }
        switch s.finished {
        case .success?: return .success(nil)
        case .failure(let e)?: return .failure(e)
        case nil: return nil
        }
    }

    func cancel() {
        let first = state.withLock { s -> Bool in
            if s.cancelled { return false }
            s.cancelled = true
            return true
        }
        if first { onCancel() }
    }
}
