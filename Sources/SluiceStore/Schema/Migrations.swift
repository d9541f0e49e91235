import Foundation

/// One numbered schema change. Numbers only grow; a released migration never changes.
struct Migration {
    let version: Int
    let name: String
    let sql: String
}

/// Brings a file up to the newest schema, once, in one IMMEDIATE transaction.
///
/// Two processes opening a new file together serialize on the write lock: the second finds
/// the versions already recorded in `schema_migrations` and applies nothing.
enum Migrator {
    /// Every migration, oldest first.
    static let all: [Migration] = [Schema.initial, Schema.runDocuments, Schema.tokens, Schema.flows, Schema.runBackend, Schema.runDeletion, Schema.apps]

    /// The newest version this build knows.
    static var latestVersion: Int { all.last?.version ?? 0 }

    /// Applies the `migrations` (default: all) not yet recorded. Tests pass a prefix of `all`
    /// to build a file as an older Sluice left it.
    static func migrate(_ connection: Connection, migrations: [Migration] = all, now: Date = Date()) throws(StoreError) {
        let current = try appliedVersion(connection)
        let latest = migrations.last?.version ?? 0
        if current >= latest {
            guard current == latest else {
                throw .schemaTooNew(path: connection.path, found: current, supported: latest)
            }
            return
        }
        try connection.transaction(immediate: true) { () throws(StoreError) in
            try connection.execute("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY,
                    name    TEXT NOT NULL,
                    applied INTEGER NOT NULL
                )
                """)
            // Read again under the write lock: another process may have migrated meanwhile.
            let applied = try appliedVersion(connection)
            for migration in migrations where migration.version > applied {
                try connection.execute(migration.sql)
                try connection.run(
                    "INSERT INTO schema_migrations(version, name, applied) VALUES (?, ?, ?)",
                    [.integer(Int64(migration.version)), .text(migration.name), SQLValue(now)])
            }
        }
    }

    /// The highest recorded version, or 0 for a new file.
    static func appliedVersion(_ connection: Connection) throws(StoreError) -> Int {
        let exists = try connection.queryOne(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'", []
        ) { $0.int64(0) }
        guard exists != nil else { return 0 }
        let version = try connection.queryOne("SELECT max(version) FROM schema_migrations", []) { $0.int64OrNil(0) }
        return Int((version ?? nil) ?? 0)
    }
}
