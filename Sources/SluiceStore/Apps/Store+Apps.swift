import Foundation

extension Store {
    /// Records app `name` with `spec`, running `replicas`: a new app, or a new spec for a deployed one (which
    /// keeps its creation time and is marked running). Returns the record as stored.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    @discardableResult
    public func putApp(name: String, spec: Data, replicas: Int, now: Date = Date()) throws(StoreError) -> AppRecord {
        try write { connection throws(StoreError) in
            _ = try connection.run("""
                INSERT INTO apps(name, spec, replicas, running, created, updated) VALUES (?, ?, ?, 1, ?, ?)
                ON CONFLICT(name) DO UPDATE SET spec = excluded.spec, replicas = excluded.replicas, running = 1,
                                                 updated = excluded.updated
                """, [.text(name), .json(spec), .integer(Int64(replicas)), SQLValue(now), SQLValue(now)])
            return try Self.appRow(connection, name)!
        }
    }

    /// Sets how many replicas app `name` runs; nil when no such app.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func setAppReplicas(name: String, replicas: Int, now: Date = Date()) throws(StoreError) -> AppRecord? {
        try update(name, "replicas = ?", .integer(Int64(replicas)), now: now)
    }

    /// Marks app `name` running or stopped; nil when no such app.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func setAppRunning(name: String, running: Bool, now: Date = Date()) throws(StoreError) -> AppRecord? {
        try update(name, "running = ?", .integer(running ? 1 : 0), now: now)
    }

    /// Removes app `name`; false when there was none.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func deleteApp(name: String) throws(StoreError) -> Bool {
        try write { connection throws(StoreError) in
            try connection.run("DELETE FROM apps WHERE name = ?", [.text(name)]) > 0
        }
    }

    /// Every deployed app, by name.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func apps() throws(StoreError) -> [AppRecord] {
        try withConnection { connection throws(StoreError) in
            try connection.query("SELECT name, spec, replicas, running, created, updated FROM apps ORDER BY name", [], row: Self.appRecord)
        }
    }

    /// App `name`, or nil.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func app(name: String) throws(StoreError) -> AppRecord? {
        try withConnection { connection throws(StoreError) in try Self.appRow(connection, name) }
    }

    private func update(_ name: String, _ assignment: String, _ value: SQLValue, now: Date) throws(StoreError) -> AppRecord? {
        try write { connection throws(StoreError) in
            let changed = try connection.run("UPDATE apps SET \(assignment), updated = ? WHERE name = ?", [value, SQLValue(now), .text(name)])
            return changed > 0 ? try Self.appRow(connection, name) : nil
        }
    }

    private static func appRow(_ connection: Connection, _ name: String) throws(StoreError) -> AppRecord? {
        try connection.queryOne("SELECT name, spec, replicas, running, created, updated FROM apps WHERE name = ?", [.text(name)],
                                row: appRecord)
    }

    private static func appRecord(_ r: Statement) -> AppRecord {
        AppRecord(name: r.text(0), spec: r.data(1), replicas: Int(r.int64(2)), running: r.int64(3) != 0, created: r.date(4), updated: r.date(5))
    }
}
