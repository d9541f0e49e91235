import Foundation
import SluiceModel

extension Store {
    /// The store's folder (where `sluice.db`, `attempts/` and `drivers/` are).
    public var directory: String { URL(fileURLWithPath: path).deletingLastPathComponent().path }

    /// Deletes a finished run that no controller holds: every row of it in one transaction (its retries keep
    /// running but lose their link to it), then its attempt folders and driver log. A crash between the two
    /// leaves only folders, which the next `prune` removes. `runNotDeletable` for a run that has not finished
    /// or whose lease is still live; `noRun` for an unknown id.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func deleteRun(_ runID: String, now: Date = Date()) throws(StoreError) -> RemovedRun {
        let files = RunFiles(directory: directory)
        let removed = try write { connection throws(StoreError) in
            guard let found = try Self.deletable(runID, now: now, connection: connection, path: path) else {
                throw StoreError.noRun(runID: runID, path: path)
            }
            if let reason = found.refusal { throw StoreError.runNotDeletable(runID: runID, reason: reason, path: path) }
            try Self.deleteRows(of: [runID], connection: connection)
            return found.run
        }
        let paths = files.paths(of: runID)
        var run = removed
        run.bytes = files.size(paths)
        files.remove(paths)
        return run
    }

    /// Deletes the finished runs `filter` selects that no controller holds (rows in one transaction, then
    /// their files), and the folders and driver logs of runs that no longer exist. `dryRun` changes nothing
    /// and reports what would go.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func prune(_ filter: PruneFilter, dryRun: Bool = false, now: Date = Date()) throws(StoreError) -> PruneReport {
        let files = RunFiles(directory: directory)
        let listed = files.entries()
        let select: (Connection) throws(StoreError) -> [RemovedRun] = { connection throws(StoreError) in
            let states = (filter.states ?? Set(RunPhase.allCases)).filter(\.isFinal).map(\.rawValue).sorted()
            guard !states.isEmpty else { return [] }
            let ids = try connection.query(
                "SELECT id FROM runs WHERE finished IS NOT NULL AND finished < ? AND state IN (\(states.map { _ in "?" }.joined(separator: ", "))) ORDER BY finished, id",
                [SQLValue(filter.finishedBefore)] + states.map { SQLValue.text($0) }) { $0.text(0) }
            var runs: [RemovedRun] = []
            for id in ids {
                if let found = try Self.deletable(id, now: now, connection: connection, path: self.path), found.refusal == nil {
                    runs.append(found.run)
                }
            }
            if !dryRun { try Self.deleteRows(of: runs.map(\.id), connection: connection) }
            return runs
        }
        var runs = try dryRun ? read(select) : write(select)
        // Listed before the rows were read: a folder or log whose run is not in the store now was left by a deletion.
        let ids = try allRunIDs()
        let folders = Set(ids.map(PathComponent.safe)).union(runs.map { PathComponent.safe($0.id) })
        let logs = ids.union(runs.map(\.id))
        let leftovers = listed.folders.filter { !folders.contains($0) }.map { files.attemptsRoot + "/" + $0 }
            + listed.logs.filter { !logs.contains(String($0.dropLast(4))) }.map { files.driversRoot + "/" + $0 }
        var freed: Int64 = 0
        for index in runs.indices {
            let paths = files.paths(of: runs[index].id)
            runs[index].bytes = files.size(paths)
            freed += runs[index].bytes
            if !dryRun { files.remove(paths) }
        }
        freed += files.size(leftovers)
        if !dryRun { files.remove(leftovers) }
        return PruneReport(runs: runs, leftovers: leftovers, bytesFreed: freed)
    }

    /// Every run id in the store.
    private func allRunIDs() throws(StoreError) -> Set<String> {
        try withConnection { connection throws(StoreError) in
            Set(try connection.query("SELECT id FROM runs", []) { $0.text(0) })
        }
    }

    /// The run as it would be removed, and why it may not be (unfinished, or a live lease); nil if no such run.
    private static func deletable(
        _ runID: String, now: Date, connection: Connection, path: String
    ) throws(StoreError) -> (run: RemovedRun, refusal: String?)? {
        let row = try connection.queryOne("SELECT flow, state, finished FROM runs WHERE id = ?", [.text(runID)]) { row in
            (row.text(0), row.text(1), row.dateOrNil(2))
        }
        guard let (flow, stateText, finished) = row else { return nil }
        guard let state = RunPhase(rawValue: stateText) else {
            throw StoreError.badValue(what: "the state of run '\(runID)'", path: path, reason: "unknown state '\(stateText)'")
        }
        let run = RemovedRun(id: runID, flow: flow, state: state, finished: finished, bytes: 0)
        if !state.isFinal { return (run, "is \(state.rawValue); abort it first (or delete it with --force)") }
        let lease = try connection.queryOne("SELECT owner, expires FROM leases WHERE run_id = ?", [.text(runID)]) { ($0.text(0), $0.date(1)) }
        if let (owner, expires) = lease, expires > now {
            return (run, "is still held by the controller \(owner) (until \(expires)); try again when it lets go")
        }
        return (run, nil)
    }

    /// Removes every row of `ids`. Foreign keys are checked at commit, so the run rows can go first: events
    /// may be deleted only once their run row is gone (migration 6), so nothing else can delete them.
    private static func deleteRows(of ids: [String], connection: Connection) throws(StoreError) {
        guard !ids.isEmpty else { return }
        try connection.execute("PRAGMA defer_foreign_keys = ON")
        for id in ids {
            let value: [SQLValue] = [.text(id)]
            try connection.run("UPDATE runs SET parent_run_id = NULL WHERE parent_run_id = ?", value)
            try connection.run("DELETE FROM runs WHERE id = ?", value)
            for table in ["events", "nodes", "attempts", "inbox", "leases", "run_documents", "cache_reservations"] {
                try connection.run("DELETE FROM \(table) WHERE run_id = ?", value)
            }
        }
    }
}
