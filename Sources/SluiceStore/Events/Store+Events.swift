import Foundation

extension Store {
    /// Events after `afterSeq`, oldest first, at most `limit`; of one run, or of every run
    /// when `runID` is nil (for a global stream).
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func events(runID: String?, afterSeq: Int64 = 0, limit: Int = 1000) throws(StoreError) -> [StoredEvent] {
        let columns = "seq, run_id, time, kind, node_id, attempt, message, data"
        let limitValue = SQLValue.integer(Int64(max(0, limit)))
        return try withConnection { connection throws(StoreError) in
            if let runID {
                return try connection.query(
                    "SELECT \(columns) FROM events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                    [.text(runID), .integer(afterSeq), limitValue], row: EventRows.event)
            }
            return try connection.query(
                "SELECT \(columns) FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                [.integer(afterSeq), limitValue], row: EventRows.event)
        }
    }

    /// The newest event's seq, or 0 when there are none.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func latestEventSeq() throws(StoreError) -> Int64 {
        try withConnection { connection throws(StoreError) in
            try connection.queryOne("SELECT coalesce(max(seq), 0) FROM events", []) { $0.int64(0) } ?? 0
        }
    }
}

/// Row mapping and appends for events.
enum EventRows {
    /// Appends inside the caller's transaction; returns the new seqs in order.
    static func append(_ events: [NewEvent], runID: String, connection: Connection) throws(StoreError) -> [Int64] {
        var seqs: [Int64] = []
        seqs.reserveCapacity(events.count)
        for event in events {
            try connection.run(
                "INSERT INTO events(run_id, time, kind, node_id, attempt, message, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [.text(runID), SQLValue(event.time), .text(event.kind), SQLValue(event.nodeID),
                 SQLValue(event.attempt), .text(event.message), SQLValue(event.data)])
            seqs.append(connection.lastInsertRowID)
        }
        return seqs
    }

    static func event(_ row: Statement) -> StoredEvent {
        StoredEvent(
            seq: row.int64(0), runID: row.text(1), time: row.date(2), kind: row.text(3),
            nodeID: row.textOrNil(4), attempt: row.intOrNil(5), message: row.text(6), data: row.dataOrNil(7))
    }
}
