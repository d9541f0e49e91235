import Foundation

extension Store {
    /// The outputs cached under `key`, if any.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func cachedOutputs(key: String) throws(StoreError) -> CacheEntry? {
        try withConnection { connection throws(StoreError) in
            try connection.queryOne(
                "SELECT key, task, version, outputs, run_id, node_id, created FROM cache_entries WHERE key = ?",
                [.text(key)]
            ) { row in
                CacheEntry(
                    key: row.text(0), taskName: row.text(1), cacheVersion: row.text(2), outputs: row.data(3),
                    runID: row.text(4), nodeID: row.text(5), created: row.date(6))
            }
        }
    }

    /// Claims `key` for `owner` so that only one action computes it. True if the owner holds
    /// it now (newly, or already); false if another action does. Writing the entry through
    /// `StepCommit.cachePuts` releases it; so do `releaseCache` and `StepCommit.cacheReleases`.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func reserveCache(key: String, owner: CacheOwner, now: Date = Date()) throws(StoreError) -> Bool {
        try write { connection throws(StoreError) in
            try connection.run(
                "INSERT OR IGNORE INTO cache_reservations(key, run_id, node_id, created) VALUES (?, ?, ?, ?)",
                [.text(key), .text(owner.runID), .text(owner.nodeID), SQLValue(now)])
            let holder = try CacheRows.reservation(key: key, connection: connection)
            return holder?.owner == owner
        }
    }

    /// Who holds `key`, if anyone.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func cacheReservation(key: String) throws(StoreError) -> CacheReservation? {
        try withConnection { connection throws(StoreError) in try CacheRows.reservation(key: key, connection: connection) }
    }

    /// Gives `key` up if `owner` holds it; true if it did.
    @discardableResult
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func releaseCache(key: String, owner: CacheOwner) throws(StoreError) -> Bool {
        try write { connection throws(StoreError) in
            try CacheRows.release(key: key, owner: owner, connection: connection)
        }
    }

    /// Gives up every key the run's actions hold (when the run ends or fails); returns how many.
    @discardableResult
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func releaseCacheReservations(runID: String) throws(StoreError) -> Int {
        try write { connection throws(StoreError) in
            try connection.run("DELETE FROM cache_reservations WHERE run_id = ?", [.text(runID)])
        }
    }
}

/// Row mapping and writes for the cache.
enum CacheRows {
    static func reservation(key: String, connection: Connection) throws(StoreError) -> CacheReservation? {
        try connection.queryOne(
            "SELECT key, run_id, node_id, created FROM cache_reservations WHERE key = ?", [.text(key)]
        ) { row in
            CacheReservation(
                key: row.text(0), owner: CacheOwner(runID: row.text(1), nodeID: row.text(2)), created: row.date(3))
        }
    }

    static func release(key: String, owner: CacheOwner, connection: Connection) throws(StoreError) -> Bool {
        try connection.run(
            "DELETE FROM cache_reservations WHERE key = ? AND run_id = ? AND node_id = ?",
            [.text(key), .text(owner.runID), .text(owner.nodeID)]) == 1
    }

    /// Writes (or replaces) the entry and drops any reservation of its key.
    static func put(_ entry: CacheEntry, connection: Connection) throws(StoreError) {
        try connection.run("""
            INSERT OR REPLACE INTO cache_entries(key, task, version, outputs, run_id, node_id, created)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.text(entry.key), .text(entry.taskName), .text(entry.cacheVersion), .json(entry.outputs),
                  .text(entry.runID), .text(entry.nodeID), SQLValue(entry.created)])
        try connection.run("DELETE FROM cache_reservations WHERE key = ?", [.text(entry.key)])
    }
}
