import Foundation

/// Runs blocking work (a plugin process and its waits) on a thread of its own and awaits its result, so
/// the two threads of the cooperative pool stay free for the async tests running beside it. Expectations
/// belong outside `body`: they need the test's task.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
