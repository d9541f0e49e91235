import Foundation
import SluiceStore

/// The store for async callers (HTTP handlers): each call runs on `StoreThreads`, never on the cooperative
/// pool, and resumes the caller with its result. `Store` itself is synchronous and marked `noasync`.
public struct AsyncStore: Sendable {
    /// The synchronous store the calls run against.
    public let store: Store
    private let threads: StoreThreads

    public init(_ store: Store, threads: StoreThreads = .shared) {
        self.store = store
        self.threads = threads
    }

    /// Runs `body` with the store on a store thread and returns what it returns (or throws what it throws).
    /// Any other blocking work that reads or writes the store (a controller's submit) belongs here too.
    public func run<Value: Sendable>(_ body: @escaping @Sendable (Store) throws -> Value) async throws -> Value {
        let store = self.store
        return try await withCheckedThrowingContinuation { continuation in
            threads.submit {
                continuation.resume(with: Result(catching: { try body(store) }))
            }
        }
    }
}
