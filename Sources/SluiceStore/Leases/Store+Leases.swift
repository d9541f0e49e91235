import Foundation
import SluiceModel

extension Store {
    /// Takes the run's lease for `owner` until `now + ttl` if nobody holds it, it has expired,
    /// or `owner` already holds it. True if `owner` holds it now. Atomic across processes.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func claim(runID: String, owner: String, ttl: Duration, now: Date = Date()) throws(StoreError) -> Bool {
        let expires = now.millisecondsSince1970 + ttl.milliseconds
        return try write { connection throws(StoreError) in
            let exists = try connection.queryOne("SELECT 1 FROM runs WHERE id = ?", [.text(runID)]) { $0.int64(0) }
            guard exists != nil else { throw .noRun(runID: runID, path: path) }
            return try connection.run("""
                INSERT INTO leases(run_id, owner, expires) VALUES (?1, ?2, ?3)
                ON CONFLICT(run_id) DO UPDATE SET owner = excluded.owner, expires = excluded.expires
                WHERE leases.owner = excluded.owner OR leases.expires <= ?4
                """, [.text(runID), .text(owner), .integer(expires), SQLValue(now)]) == 1
        }
    }

    /// Extends `owner`'s lease to `now + ttl`. False if `owner` no longer holds it (another
    /// owner claimed it after it expired): the caller must stop driving the run.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func renew(runID: String, owner: String, ttl: Duration, now: Date = Date()) throws(StoreError) -> Bool {
        let expires = now.millisecondsSince1970 + ttl.milliseconds
        return try write { connection throws(StoreError) in
            try connection.run(
                "UPDATE leases SET expires = ? WHERE run_id = ? AND owner = ?",
                [.integer(expires), .text(runID), .text(owner)]) == 1
        }
    }

    /// Gives the lease up if `owner` holds it; true if it did.
    @discardableResult
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func release(runID: String, owner: String) throws(StoreError) -> Bool {
        try write { connection throws(StoreError) in
            try connection.run("DELETE FROM leases WHERE run_id = ? AND owner = ?", [.text(runID), .text(owner)]) == 1
        }
    }

    /// The run's current lease row, expired or not; nil if none.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func lease(runID: String) throws(StoreError) -> Lease? {
        try withConnection { connection throws(StoreError) in
            try connection.queryOne("SELECT run_id, owner, expires FROM leases WHERE run_id = ?", [.text(runID)]) { row in
                Lease(runID: row.text(0), owner: row.text(1), expires: row.date(2))
            }
        }
    }

    /// Unfinished runs (queued, running, waiting) with no lease or an expired one, oldest
    /// first: the runs a controller may claim and resume. With `backend`, only runs started on that backend.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func claimableRuns(now: Date = Date(), limit: Int = 100, backend: String? = nil) throws(StoreError) -> [String] {
        let states = RunPhase.unfinished.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return try withConnection { connection throws(StoreError) in
            try connection.query("""
                SELECT r.id FROM runs r LEFT JOIN leases l ON l.run_id = r.id
                WHERE r.state IN (\(states)) AND (l.run_id IS NULL OR l.expires <= ?) AND (? IS NULL OR r.backend = ?)
                ORDER BY r.created, r.id LIMIT ?
                """, [SQLValue(now), SQLValue(backend), SQLValue(backend), .integer(Int64(max(0, limit)))]) { $0.text(0) }
        }
    }

    /// Extends every lease `owner` holds to `now + ttl` in one statement; returns the runs it still holds
    /// (a run missing from the answer was taken over after its lease expired: stop driving it).
    public func renewAll(owner: String, ttl: Duration, now: Date = Date()) throws(StoreError) -> Set<String> {
        let expires = now.millisecondsSince1970 + ttl.milliseconds
        return try write { connection throws(StoreError) in
            try connection.run("UPDATE leases SET expires = ? WHERE owner = ?", [.integer(expires), .text(owner)])
            return Set(try connection.query("SELECT run_id FROM leases WHERE owner = ?", [.text(owner)]) { $0.text(0) })
        }
    }

    /// The leases of unfinished runs, in one query: for finding runs whose owner died.
    public func leasesOfUnfinishedRuns() throws(StoreError) -> [Lease] {
        let states = RunPhase.unfinished.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return try withConnection { connection throws(StoreError) in
            try connection.query("""
                SELECT l.run_id, l.owner, l.expires FROM leases l JOIN runs r ON r.id = l.run_id
                WHERE r.state IN (\(states))
                """, []) { row in Lease(runID: row.text(0), owner: row.text(1), expires: row.date(2)) }
        }
    }
}
