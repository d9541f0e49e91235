import Foundation
import Synchronization

/// The controller's source of "now", injected so tests move time instead of sleeping.
public protocol ControllerClock: AnyObject, Sendable {
    func now() -> Date
    /// Calls `wake` whenever time jumps (a test advanced it); a real clock never calls it.
    func onAdvance(_ wake: @escaping @Sendable () -> Void)
}

/// Wall-clock time.
public final class SystemClock: ControllerClock {
    public init() {}
    public func now() -> Date { Date() }
    public func onAdvance(_ wake: @escaping @Sendable () -> Void) {}
}

/// A clock that stands still until a test advances it.
public final class ManualClock: ControllerClock {
    private struct State {
        var now: Date
        var wakers: [@Sendable () -> Void] = []
    }
    private let state: Mutex<State>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { state = Mutex(State(now: start)) }

    public func now() -> Date { state.withLock { $0.now } }

    public func onAdvance(_ wake: @escaping @Sendable () -> Void) { state.withLock { $0.wakers.append(wake) } }

    /// Moves time forward and wakes everything waiting on it.
    public func advance(by seconds: TimeInterval) {
        let wakers = state.withLock { s in
            s.now = s.now.addingTimeInterval(seconds)
            return s.wakers
        }
        for w in wakers { w() }
    }
}
