import Foundation

/// Reads the runner's single observation stream and hands each observation to the driver of its run.
final class ObservationRouter: @unchecked Sendable {
    private let lock = NSLock()
    private var routes: [String: @Sendable (AttemptObservation) -> Void] = [:]
    init(_ runner: LocalRunner) {
        // Delivered on the runner's watcher thread, never through a task on the cooperative pool:
        // drivers block their own threads, and a pool of two could starve a reading task.
        runner.deliverObservations { [weak self] o in self?.deliver(o) }
    }

    func route(runID: String, to handler: @escaping @Sendable (AttemptObservation) -> Void) {
        lock.lock()
        routes[runID] = handler
        lock.unlock()
    }

    func unroute(runID: String) {
        lock.lock()
        routes[runID] = nil
        lock.unlock()
    }

    private func deliver(_ o: AttemptObservation) {
        lock.lock()
        let handler = routes[o.handle.runID]
        lock.unlock()
        handler?(o)
    }
}
