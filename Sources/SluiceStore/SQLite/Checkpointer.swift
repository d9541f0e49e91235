import CSQLite
import Foundation

/// Checkpoints the WAL from its own connection and thread, so the thread that commits steps never pays
/// for copying pages into the database file or for the fsync that follows. A PASSIVE checkpoint never
/// blocks writers; if it falls behind, the WAL simply grows until the next pass.
final class Checkpointer: @unchecked Sendable {
    private let connection: Connection
    private let condition = NSCondition()
    private var stopped = false
    private var thread: Thread?

    init(path: String, options: StoreOptions, interval: TimeInterval = 0.25) throws(StoreError) {
        connection = try Connection(path: path, options: options)
        let t = Thread { [self] in self.loop(interval) }
        t.name = "sluice-checkpoint"
        thread = t
        t.start()
    }

    private func loop(_ interval: TimeInterval) {
        condition.lock()
        while !stopped {
            _ = condition.wait(until: Date().addingTimeInterval(interval))
            if stopped { break }
            condition.unlock()
            try? connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            condition.lock()
        }
        condition.unlock()
        connection.close()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }
}
