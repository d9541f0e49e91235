import Foundation

extension Store {
    /// Registers version `version` of flow `name`, or the next whole-number version when `version` is nil
    /// (one more than the largest whole-number version so far, or 1). Returns nil when that version exists:
    /// a registered version never changes.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func registerFlow(name: String, version: String?, text: String, compiled: (String) -> Data,
                             now: Date = Date()) throws(StoreError) -> FlowRecord? {
        try write { connection throws(StoreError) in
            let chosen: String
            if let version {
                chosen = version
            } else {
                let versions = try connection.query("SELECT version FROM flows WHERE name = ?", [.text(name)]) { $0.text(0) }
                chosen = String((versions.compactMap { Int($0) }.max() ?? 0) + 1)
            }
            let taken = try connection.queryOne("SELECT 1 FROM flows WHERE name = ? AND version = ?",
                                                [.text(name), .text(chosen)]) { $0.int64(0) }
            guard taken == nil else { return nil }
            let record = FlowRecord(name: name, version: chosen, text: text, compiled: compiled(chosen),
                                    created: Date(millisecondsSince1970: now.millisecondsSince1970))
            _ = try connection.run("INSERT INTO flows(name, version, text, compiled, created) VALUES (?, ?, ?, ?, ?)",
                                   [.text(name), .text(chosen), .text(text), .json(record.compiled), SQLValue(now)])
            return record
        }
    }

    /// The latest registered version of every flow, by name.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func latestFlows() throws(StoreError) -> [FlowVersion] {
        try withConnection { connection throws(StoreError) in
            try connection.query("""
                SELECT name, version, created FROM flows f
                WHERE rowid = (SELECT rowid FROM flows g WHERE g.name = f.name ORDER BY created DESC, rowid DESC LIMIT 1)
                ORDER BY name
                """, [], row: Self.flowVersion)
        }
    }

    /// Every version of flow `name`, newest first; empty when no such flow is registered.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func flowVersions(name: String) throws(StoreError) -> [FlowVersion] {
        try withConnection { connection throws(StoreError) in
            try connection.query("SELECT name, version, created FROM flows WHERE name = ? ORDER BY created DESC, rowid DESC",
                                 [.text(name)], row: Self.flowVersion)
        }
    }

    /// Version `version` of flow `name` (the latest when nil), or nil.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func flow(name: String, version: String? = nil) throws(StoreError) -> FlowRecord? {
        try withConnection { connection throws(StoreError) in
            let columns = "SELECT name, version, text, compiled, created FROM flows WHERE name = ?"
            let row = { (r: Statement) -> FlowRecord in
                FlowRecord(name: r.text(0), version: r.text(1), text: r.text(2), compiled: r.data(3), created: r.date(4))
            }
            if let version {
                return try connection.queryOne(columns + " AND version = ?", [.text(name), .text(version)], row: row)
            }
            return try connection.queryOne(columns + " ORDER BY created DESC, rowid DESC LIMIT 1", [.text(name)], row: row)
        }
    }

    private static func flowVersion(_ r: Statement) -> FlowVersion {
        FlowVersion(name: r.text(0), version: r.text(1), created: r.date(2))
    }
}
