import Foundation
import SluiceModel

extension Store {
    /// How many runs are in each state (for the server's metrics); states without runs are absent.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func runStateCounts() throws(StoreError) -> [RunPhase: Int] {
        let pairs = try withConnection { connection throws(StoreError) in
            try connection.query("SELECT state, count(*) FROM runs GROUP BY state", []) { ($0.text(0), Int($0.int64(1))) }
        }
        var counts: [RunPhase: Int] = [:]
        for (name, n) in pairs { if let s = RunPhase(rawValue: name) { counts[s] = n } }
        return counts
    }
}
