import Foundation
import SluiceModel

extension Store {
    /// Writes a new run (and its `events`) in one transaction.
    /// Fails with `runExists` if the id is taken, `noRun` if the parent run is unknown.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func createRun(_ run: NewRun) throws(StoreError) {
        let labels = try RunRows.encodeLabels(run.labels, path: path)
        try write { connection throws(StoreError) in
            let taken = try connection.queryOne("SELECT 1 FROM runs WHERE id = ?", [.text(run.id)]) { $0.int64(0) }
            guard taken == nil else { throw .runExists(runID: run.id, path: path) }
            if let parent = run.parentRunID {
                let found = try connection.queryOne("SELECT 1 FROM runs WHERE id = ?", [.text(parent)]) { $0.int64(0) }
                guard found != nil else { throw .noRun(runID: parent, path: path) }
            }
            try connection.run("""
                INSERT INTO runs(id, flow, flow_version, state, labels, created, compiled, inputs, header, parent_run_id, backend)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [
                    .text(run.id), .text(run.flow), SQLValue(run.flowVersion), .text(run.state.rawValue),
                    .text(labels), SQLValue(run.created), .text(""), .text(""),
                    SQLValue(run.header), SQLValue(run.parentRunID), .text(run.backend),
                ])
            // The compiled flow can be megabytes: it lives in its own row so the run row that every
            // step rewrites stays small (see migration 2).
            try connection.run("INSERT INTO run_documents(run_id, compiled, inputs) VALUES (?, ?, ?)",
                               [.text(run.id), .json(run.compiledFlow), .json(run.inputs)])
            for node in run.nodes {
                try connection.run("""
                    INSERT INTO nodes(run_id, node_id, state, step, started, finished, data, updated_seq)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 0)
                    """, [.text(run.id), .text(node.nodeID), .text(node.state), SQLValue(node.step),
                          SQLValue(node.started), SQLValue(node.finished), .json(node.data)])
            }
            _ = try EventRows.append(run.events, runID: run.id, connection: connection)
        }
    }

    /// The run's row, every node row and the compiled flow, read from one snapshot;
    /// nil if there is no such run.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func loadRun(_ runID: String) throws(StoreError) -> StoredRun? {
        try read { connection throws(StoreError) in
            guard let run = try RunRows.record(runID, connection: connection) else { return nil }
            let nodes = try connection.query(
                "SELECT \(RunRows.nodeColumns) FROM nodes WHERE run_id = ? ORDER BY node_id",
                [.text(runID)], row: RunRows.node)
            return StoredRun(run: run, nodes: nodes)
        }
    }

    /// The backend a run was submitted for (`local` for runs older than the column); nil if there is no such run.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func backend(ofRun runID: String) throws(StoreError) -> String? {
        try withConnection { connection throws(StoreError) in
            try connection.queryOne("SELECT backend FROM runs WHERE id = ?", [.text(runID)]) { $0.text(0) }
        }
    }

    /// The run's full row without its nodes; nil if there is no such run.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func run(_ runID: String) throws(StoreError) -> RunRecord? {
        try withConnection { connection throws(StoreError) in try RunRows.record(runID, connection: connection) }
    }

    /// The run's summary; nil if there is no such run.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func runSummary(_ runID: String) throws(StoreError) -> RunSummary? {
        try withConnection { connection throws(StoreError) in
            try connection.queryOne(
                "SELECT \(RunRows.summaryColumns) FROM runs WHERE id = ?", [.text(runID)], row: RunRows.summary)
        }
    }

    /// Node rows changed after `afterSeq` (a `RunRecord.nodeSeq` or `NodeRecord.updatedSeq`
    /// seen before), oldest change first. Fails with `noRun` for an unknown run.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func nodesUpdated(runID: String, afterSeq: Int64) throws(StoreError) -> [NodeRecord] {
        try read { connection throws(StoreError) in
            let exists = try connection.queryOne("SELECT 1 FROM runs WHERE id = ?", [.text(runID)]) { $0.int64(0) }
            guard exists != nil else { throw .noRun(runID: runID, path: path) }
            return try connection.query("""
                SELECT \(RunRows.nodeColumns) FROM nodes WHERE run_id = ? AND updated_seq > ?
                ORDER BY updated_seq, node_id
                """, [.text(runID), .integer(afterSeq)], row: RunRows.node)
        }
    }

    /// How many of the run's nodes are in each state (for `status`).
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func nodeStateCounts(runID: String) throws(StoreError) -> [String: Int] {
        let pairs = try withConnection { connection throws(StoreError) in
            try connection.query(
                "SELECT state, count(*) FROM nodes WHERE run_id = ? GROUP BY state", [.text(runID)]
            ) { ($0.text(0), Int($0.int64(1))) }
        }
        return Dictionary(uniqueKeysWithValues: pairs)
    }

    /// Runs newest first (by creation time, then id), optionally filtered by state, flow and labels (every
    /// given label must match). Pass the last summary's `cursor` as `before` to get the next page; an empty
    /// page is the end.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func listRuns(
        state: [RunPhase]? = nil, flow: String? = nil, labels: [String: String] = [:], limit: Int = 50,
        before: RunCursor? = nil
    ) throws(StoreError) -> [RunSummary] {
        var clauses: [String] = []
        var values: [SQLValue] = []
        if let state {
            guard !state.isEmpty else { return [] }
            clauses.append("state IN (\(Array(repeating: "?", count: state.count).joined(separator: ", ")))")
            values += state.map { .text($0.rawValue) }
        }
        if let flow {
            clauses.append("flow = ?")
            values.append(.text(flow))
        }
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) {
            // json_extract takes a path: quote the key so dots and spaces in label keys stay one key.
            clauses.append("json_extract(labels, ?) = ?")
            let quoted = key.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            values += [.text("$.\"\(quoted)\""), .text(value)]
        }
        if let before {
            clauses.append("(created, id) < (?, ?)")
            values += [.integer(before.created), .text(before.id)]
        }
        let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        values.append(.integer(Int64(max(0, limit))))
        let sql = "SELECT \(RunRows.summaryColumns) FROM runs \(filter) ORDER BY created DESC, id DESC LIMIT ?"
        return try withConnection { connection throws(StoreError) in
            try connection.query(sql, values, row: RunRows.summary)
        }
    }

    /// Ids of runs that start with `prefix`, in id order (for the CLI's short ids).
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func runIDs(matchingPrefix prefix: String, limit: Int = 20) throws(StoreError) -> [String] {
        // A range on the primary key: every id starting with `prefix` sorts in
        // [prefix, prefix + U+10FFFF); substr() makes the match exact.
        try withConnection { connection throws(StoreError) in
            try connection.query("""
                SELECT id FROM runs WHERE id >= ?1 AND id < ?2 AND substr(id, 1, length(?1)) = ?1
                ORDER BY id LIMIT ?3
                """, [.text(prefix), .text(prefix + "\u{10FFFF}"), .integer(Int64(max(0, limit)))]
            ) { $0.text(0) }
        }
    }
}

/// Row mapping for runs and nodes.
enum RunRows {
    static let summaryColumns =
        "id, flow, flow_version, state, labels, created, started, finished, error, parent_run_id"
    static let nodeColumns = "node_id, state, step, started, finished, data, updated_seq"

    static func summary(_ row: Statement) throws(StoreError) -> RunSummary {
        let path = row.path
        guard let state = RunPhase(rawValue: row.text(3)) else {
            throw .badValue(what: "the state of run '\(row.text(0))'", path: path, reason: "unknown state '\(row.text(3))'")
        }
        return RunSummary(
            id: row.text(0), flow: row.text(1), flowVersion: row.textOrNil(2), state: state,
            labels: try decodeLabels(row.data(4), runID: row.text(0), path: path),
            created: row.date(5), started: row.dateOrNil(6), finished: row.dateOrNil(7),
            error: row.textOrNil(8), parentRunID: row.textOrNil(9))
    }

    static func record(_ runID: String, connection: Connection) throws(StoreError) -> RunRecord? {
        try connection.queryOne(
            """
            SELECT \(summaryColumns), d.compiled, d.inputs, header, outputs, node_seq
            FROM runs JOIN run_documents d ON d.run_id = runs.id WHERE runs.id = ?
            """,
            [.text(runID)]
        ) { row throws(StoreError) in
            RunRecord(
                summary: try summary(row), compiledFlow: row.data(10), inputs: row.data(11),
                header: row.dataOrNil(12), outputs: row.dataOrNil(13), nodeSeq: row.int64(14))
        }
    }

    static func node(_ row: Statement) -> NodeRecord {
        NodeRecord(
            nodeID: row.text(0), state: row.text(1), step: row.textOrNil(2), started: row.dateOrNil(3),
            finished: row.dateOrNil(4), data: row.data(5), updatedSeq: row.int64(6))
    }

    static func encodeLabels(_ labels: [String: String], path: String) throws(StoreError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]  // so json_extract finds keys such as app.kubernetes.io/name
        do {
            return String(decoding: try encoder.encode(labels), as: UTF8.self)
        } catch {
            throw .badValue(what: "run labels", path: path, reason: "\(error)")
        }
    }

    static func decodeLabels(_ json: Data, runID: String, path: String) throws(StoreError) -> [String: String] {
        do {
            return try JSONDecoder().decode([String: String].self, from: json)
        } catch {
            throw .badValue(what: "the labels of run '\(runID)'", path: path, reason: "\(error)")
        }
    }
}
