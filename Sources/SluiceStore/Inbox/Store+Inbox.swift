import Foundation

extension Store {
    /// Posts a message for the run's controller; returns its id. Fails with `noRun` for an
    /// unknown run.
    @discardableResult
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func post(_ message: InboxMessage) throws(StoreError) -> Int64 {
        try write { connection throws(StoreError) in
            try InboxRows.requireRun(message.runID, connection)
            return try InboxRows.insert(message, connection)
        }
    }

    /// Posts a decision unless one for the same run, kind and target came first: one still unconsumed, or
    /// (with `since`) one posted at or after `since`, consumed or not. Checked and written in one transaction,
    /// so of two racing decisions exactly one is posted and the other learns what it lost to.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func postFirst(_ message: InboxMessage, since: Date? = nil) throws(StoreError) -> FirstPost {
        try write { connection throws(StoreError) in
            try InboxRows.requireRun(message.runID, connection)
            let earlier = try connection.query("""
                SELECT id, run_id, kind, target, payload, sent_by, comment, created, consumed FROM inbox
                WHERE run_id = ? AND kind = ? AND target IS ? AND (consumed IS NULL OR created >= ?) ORDER BY id LIMIT 1
                """, [.text(message.runID), .text(message.kind.rawValue), SQLValue(message.target), since.map { SQLValue($0) } ?? .integer(Int64.max)],
                row: InboxRows.item)
            if let first = earlier.first { return .preceded(first) }
            return .posted(try InboxRows.insert(message, connection))
        }
    }

    /// The run's unconsumed messages, oldest first. Apply them, then list their ids in
    /// `StepCommit.consumeInbox` so they are marked in the same transaction as their effect.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func pendingInbox(runID: String) throws(StoreError) -> [InboxItem] {
        try withConnection { connection throws(StoreError) in
            try connection.query("""
                SELECT id, run_id, kind, target, payload, sent_by, comment, created, consumed
                FROM inbox WHERE run_id = ? AND consumed IS NULL ORDER BY id
                """, [.text(runID)], row: InboxRows.item)
        }
    }

    /// Runs with unconsumed messages posted after inbox id `after`, and the highest id seen: one query per
    /// poll for the whole store, however many runs wait.
    public func inboxRuns(after: Int64) throws(StoreError) -> (runs: Set<String>, latest: Int64) {
        try withConnection { connection throws(StoreError) in
            var runs = Set<String>()
            var latest = after
            for (id, run) in try connection.query(
                "SELECT id, run_id FROM inbox WHERE id > ? AND consumed IS NULL ORDER BY id", [.integer(after)],
                row: { ($0.int64(0), $0.text(1)) }) {
                runs.insert(run)
                latest = max(latest, id)
            }
            return (runs, latest)
        }
    }

    /// The highest inbox id of any run, or 0: a cheap probe for "was anything posted".
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func latestInboxID() throws(StoreError) -> Int64 {
        try withConnection { connection throws(StoreError) in
            try connection.queryOne("SELECT coalesce(max(id), 0) FROM inbox", []) { $0.int64(0) } ?? 0
        }
    }
}

/// What `postFirst` did: posted the message, or found the one that came first.
public enum FirstPost: Sendable, Equatable {
    case posted(Int64)
    case preceded(InboxItem)
}

/// Row mapping and consumption for the inbox.
enum InboxRows {
    static func requireRun(_ runID: String, _ connection: Connection) throws(StoreError) {
        let exists = try connection.queryOne("SELECT 1 FROM runs WHERE id = ?", [.text(runID)]) { $0.int64(0) }
        guard exists != nil else { throw .noRun(runID: runID, path: connection.path) }
    }

    static func insert(_ message: InboxMessage, _ connection: Connection) throws(StoreError) -> Int64 {
        _ = try connection.run(
            "INSERT INTO inbox(run_id, kind, target, payload, sent_by, comment, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [.text(message.runID), .text(message.kind.rawValue), SQLValue(message.target), SQLValue(message.payload),
             .text(message.by), SQLValue(message.comment), SQLValue(message.created)])
        return connection.lastInsertRowID
    }

    /// Marks one item consumed inside the caller's transaction; fails (rolling the whole
    /// transaction back) if it was consumed already or belongs to another run.
    static func consume(_ id: Int64, runID: String, at time: Date, connection: Connection) throws(StoreError) {
        let changed = try connection.run(
            "UPDATE inbox SET consumed = ? WHERE id = ? AND run_id = ? AND consumed IS NULL",
            [SQLValue(time), .integer(id), .text(runID)])
        guard changed == 1 else { throw .inboxItemUnavailable(id: id, runID: runID, path: connection.path) }
    }

    static func item(_ row: Statement) throws(StoreError) -> InboxItem {
        guard let kind = InboxKind(rawValue: row.text(2)) else {
            throw .badValue(what: "inbox item \(row.int64(0))", path: row.path, reason: "unknown kind '\(row.text(2))'")
        }
        let message = InboxMessage(
            runID: row.text(1), kind: kind, target: row.textOrNil(3), payload: row.dataOrNil(4),
            by: row.text(5), comment: row.textOrNil(6), created: row.date(7))
        return InboxItem(id: row.int64(0), message: message, consumed: row.dateOrNil(8))
    }
}
