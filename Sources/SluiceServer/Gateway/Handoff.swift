import NIOCore
import Synchronization

/// Hands a response body from the replica connection to the client one part at a time: `put` waits until the
/// part is taken, so a slow client slows the read from the replica (no whole-body buffering).
final class Handoff: Sendable {
    enum Item: Sendable {
        case part(ByteBuffer)
        case end
        case failed(String)
    }

    private struct State {
        var pending: Item?
        var putter: CheckedContinuation<Bool, Never>?
        var taker: CheckedContinuation<Item, Never>?
        var cancelled = false
    }
    private let state = Mutex(State())

    /// Passes `item` on; false when the consumer is gone (stop reading the replica).
    func put(_ item: Item) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            enum Action { case resumeTaker(CheckedContinuation<Item, Never>), refuse, wait }
            let action: Action = state.withLock { s in
                if s.cancelled { return .refuse }
                if let taker = s.taker {
                    s.taker = nil
                    return .resumeTaker(taker)
                }
                s.pending = item
                s.putter = continuation
                return .wait
            }
            switch action {
            case .resumeTaker(let taker):
                taker.resume(returning: item)
                continuation.resume(returning: true)
            case .refuse:
                continuation.resume(returning: false)
            case .wait:
                break
            }
        }
    }

    /// Passes the end on without waiting for it to be taken; false when the consumer is gone.
    func finish() -> Bool {
        let (passed, taker): (Bool, CheckedContinuation<Item, Never>?) = state.withLock { s in
            if s.cancelled { return (false, nil) }
            if let taker = s.taker {
                s.taker = nil
                return (true, taker)
            }
            s.pending = .end
            return (true, nil)
        }
        taker?.resume(returning: .end)
        return passed
    }

    /// The next item.
    func take() async -> Item {
        await withCheckedContinuation { (continuation: CheckedContinuation<Item, Never>) in
            let ready: (Item, CheckedContinuation<Bool, Never>?)? = state.withLock { s in
                if s.cancelled { return (.failed("the exchange was cancelled"), nil) }
                if let item = s.pending {
                    s.pending = nil
                    defer { s.putter = nil }
                    return (item, s.putter)
                }
                s.taker = continuation
                return nil
            }
            if let (item, putter) = ready {
                putter?.resume(returning: true)
                continuation.resume(returning: item)
            }
        }
    }

    /// Ends the exchange from either side: a waiting producer is told to stop, a waiting consumer gets a failure.
    func cancel(_ why: String = "the exchange was cancelled") {
        let (putter, taker) = state.withLock { s in
            s.cancelled = true
            defer { s.putter = nil; s.taker = nil; s.pending = nil }
            return (s.putter, s.taker)
        }
        putter?.resume(returning: false)
        taker?.resume(returning: .failed(why))
    }
}
