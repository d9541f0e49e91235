import Foundation

extension Store {
    /// Writes one engine step in one `BEGIN IMMEDIATE` transaction: the run row, node and
    /// attempt rows, events, consumed inbox items and cache changes all land, or (on any
    /// error) none of them does.
    @discardableResult
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
    private func bumpRun(_ runID: String, with update: RunUpdate, connection: Connection) throws(StoreError) -> Int64 {
        let seq = try connection.queryOne("""
            UPDATE runs SET node_seq = node_seq + 1,
                state = coalesce(?, state), header = coalesce(?, header), outputs = coalesce(?, outputs),
                error = coalesce(?, error), started = coalesce(?, started), finished = coalesce(?, finished)
            WHERE id = ? RETURNING node_seq
            """, [SQLValue(update.state?.rawValue), SQLValue(update.header), SQLValue(update.outputs),
                  SQLValue(update.error), SQLValue(update.started), SQLValue(update.finished), .text(runID)]
        ) { $0.int64(0) }
        guard let seq else { throw .noRun(runID: runID, path: path) }
        return seq
    }
}
