import Foundation

extension Store {
    /// Writes one engine step in one `BEGIN IMMEDIATE` transaction: the run row, node and
    /// attempt rows, events, consumed inbox items and cache changes all land, or (on any
    /// error) none of them does.
    @discardableResult
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func commit(_ step: StepCommit) throws(StoreError) -> CommitResult {
        try write { connection throws(StoreError) in
            if let owner = step.leaseOwner {
                let holder = try connection.queryOne(
                    "SELECT owner FROM leases WHERE run_id = ?", [.text(step.runID)]) { $0.text(0) }
                guard holder == owner else { throw .leaseNotHeld(runID: step.runID, owner: owner, path: path) }
            }
            let nodeSeq = try bumpRun(step.runID, with: step.run, connection: connection)
            for node in step.nodes {
                try connection.run("""
                    INSERT INTO nodes(run_id, node_id, state, step, started, finished, data, updated_seq)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(run_id, node_id) DO UPDATE SET
                        state = excluded.state, step = excluded.step, started = excluded.started,
                        finished = excluded.finished, data = excluded.data, updated_seq = excluded.updated_seq
                    """, [.text(step.runID), .text(node.nodeID), .text(node.state), SQLValue(node.step),
                          SQLValue(node.started), SQLValue(node.finished), .json(node.data), .integer(nodeSeq)])
            }
            for attempt in step.attempts {
                try AttemptRows.upsert(attempt, runID: step.runID, connection: connection)
            }
            let eventSeqs = try EventRows.append(step.events, runID: step.runID, connection: connection)
            for id in step.consumeInbox {
                try InboxRows.consume(id, runID: step.runID, at: step.time, connection: connection)
            }
            for entry in step.cachePuts {
                try CacheRows.put(entry, connection: connection)
            }
            for release in step.cacheReleases {
                _ = try CacheRows.release(key: release.key, owner: release.owner, connection: connection)
            }
            return CommitResult(nodeSeq: nodeSeq, eventSeqs: eventSeqs)
        }
    }

    /// Applies the run-row changes and advances its commit counter; returns the new value.
    ///
    /// Only the fields being changed are named in the SET clause, so a step that only
    /// rewrites the header does not rewrite the indexed `state` column.
    private func bumpRun(_ runID: String, with update: RunUpdate, connection: Connection) throws(StoreError) -> Int64 {
        var assignments = ["node_seq = node_seq + 1"]
        var values: [SQLValue] = []
        func set(_ column: String, _ value: SQLValue?) {
            guard let value else { return }
            assignments.append("\(column) = ?")
            values.append(value)
        }
        set("state", update.state.map { .text($0.rawValue) })
        set("header", update.header.map { .json($0) })
        set("outputs", update.outputs.map { .json($0) })
        set("error", update.error.map { .text($0) })
        set("started", update.started.map { SQLValue($0) })
        set("finished", update.finished.map { SQLValue($0) })
        values.append(.text(runID))
        let sql = "UPDATE runs SET \(assignments.joined(separator: ", ")) WHERE id = ? RETURNING node_seq"
        guard let seq = try connection.queryOne(sql, values, row: { $0.int64(0) }) else {
            throw .noRun(runID: runID, path: path)
        }
        return seq
    }
}
