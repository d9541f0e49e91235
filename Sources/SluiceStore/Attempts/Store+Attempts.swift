import Foundation

extension Store {
    /// The attempts of one node of a run (or of every node when `nodeID` is nil), ordered by
    /// node, attempt number, then purpose (run before revert).
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func attempts(runID: String, nodeID: String? = nil) throws(StoreError) -> [AttemptRecord] {
        let columns = "node_id, attempt, purpose, state, started, finished, exit_code, signal, error, log_dir, usage"
        let order = "ORDER BY node_id, attempt, purpose = 'revert'"
        return try withConnection { connection throws(StoreError) in
            if let nodeID {
                return try connection.query(
                    "SELECT \(columns) FROM attempts WHERE run_id = ? AND node_id = ? \(order)",
                    [.text(runID), .text(nodeID)], row: AttemptRows.attempt)
            }
            return try connection.query(
                "SELECT \(columns) FROM attempts WHERE run_id = ? \(order)", [.text(runID)], row: AttemptRows.attempt)
        }
    }
}

/// Row mapping and upserts for attempts.
enum AttemptRows {
    static func upsert(_ attempt: AttemptRecord, runID: String, connection: Connection) throws(StoreError) {
        let usage = try attempt.usage.map { usage throws(StoreError) in try encode(usage, path: connection.path) }
        try connection.run("""
            INSERT INTO attempts(run_id, node_id, attempt, purpose, state, started, finished, exit_code, signal, error, log_dir, usage)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(run_id, node_id, attempt, purpose) DO UPDATE SET
                state = excluded.state, started = excluded.started, finished = excluded.finished,
                exit_code = excluded.exit_code, signal = excluded.signal, error = excluded.error,
                log_dir = excluded.log_dir, usage = excluded.usage
            """, [
                .text(runID), .text(attempt.nodeID), .integer(Int64(attempt.attempt)), .text(attempt.purpose.rawValue),
                .text(attempt.state), SQLValue(attempt.started), SQLValue(attempt.finished), SQLValue(attempt.exitCode),
                SQLValue(attempt.signal), SQLValue(attempt.error), SQLValue(attempt.logDirectory), SQLValue(usage),
            ])
    }

    static func attempt(_ row: Statement) throws(StoreError) -> AttemptRecord {
        let nodeID = row.text(0)
        guard let purpose = AttemptPurpose(rawValue: row.text(2)) else {
            throw .badValue(what: "an attempt of node '\(nodeID)'", path: row.path, reason: "unknown purpose '\(row.text(2))'")
        }
        var usage: ResourceUsage?
        if let json = row.dataOrNil(10) {
            do {
                usage = try JSONDecoder().decode(ResourceUsage.self, from: json)
            } catch {
                throw .badValue(what: "the resource usage of node '\(nodeID)'", path: row.path, reason: "\(error)")
            }
        }
        return AttemptRecord(
            nodeID: nodeID, attempt: Int(row.int64(1)), purpose: purpose, state: row.text(3),
            started: row.dateOrNil(4), finished: row.dateOrNil(5), exitCode: row.int32OrNil(6),
            signal: row.int32OrNil(7), error: row.textOrNil(8), logDirectory: row.textOrNil(9), usage: usage)
    }

    private static func encode(_ usage: ResourceUsage, path: String) throws(StoreError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return try encoder.encode(usage)
        } catch {
            throw .badValue(what: "resource usage", path: path, reason: "\(error)")
        }
    }
}
