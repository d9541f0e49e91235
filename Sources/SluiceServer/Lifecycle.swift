import Foundation
import ServiceLifecycle

/// The running service group, and whether a stop came before it started.
final class Lifecycle: @unchecked Sendable {
    private let lock = NSLock()
    private var group: ServiceGroup?
    private var stopEarly = false

    /// Records the group; true when a stop was requested already.
    func started(_ g: ServiceGroup) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        group = g
        return stopEarly
    }

    /// The group to stop, or nil (then the stop is applied when it starts).
    func stopRequested() -> ServiceGroup? {
        lock.lock()
        defer { lock.unlock() }
        stopEarly = true
        return group
    }
}

/// Set when the server begins a graceful stop, so endless responses (event streams) end and the stop completes.
final class StopSignal: Service, @unchecked Sendable {
    private let lock = NSLock()
    private var set = false

    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return set
    }

    func run() async throws {
        try? await gracefulShutdown()
        lock.withLock { set = true }
    }
}
