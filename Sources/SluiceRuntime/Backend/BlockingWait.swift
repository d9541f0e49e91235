import Foundation
import Synchronization

/// Runs async work to its end from a synchronous caller on a thread of its own (a controller worker calling
/// `AttemptBackend.adopt`), never from the Swift pool.
@available(*, noasync, message: "blocks its thread until the work ends")
func waitForAsync<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let box = Mutex<T?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        let value = await body()
        box.withLock { $0 = value }
        done.signal()
    }
    done.wait()
    return box.withLock { $0! }
}
