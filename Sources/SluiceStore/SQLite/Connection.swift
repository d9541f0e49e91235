import CSQLite
import Foundation

/// One SQLite connection with its cache of prepared statements.
///
/// Not thread-safe on its own: `Store` serializes every use behind its lock.
final class Connection {
    let path: String
    private var database: OpaquePointer?
    private var statements: [String: Statement] = [:]

    /// Opens (creating if needed) the file and applies the per-connection settings.
    ///
    /// The first thing it does is read the schema: a file that is not a database, or is
    /// damaged, fails there, before any statement could write to it.
    init(path: String, options: StoreOptions) throws(StoreError) {
        self.path = path
        var handle: OpaquePointer?
        // Only `.create` may make the file; the others open what is there or fail.
        let flags = SQLITE_OPEN_READWRITE | (options.access == .create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let reason = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(handle)
            throw .cannotOpen(path: path, reason: reason)
        }
        database = handle
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, Int32(clamping: options.busyTimeout.milliseconds))
        do throws(StoreError) {
            try execute("SELECT count(*) FROM sqlite_schema")
            try execute("PRAGMA foreign_keys = ON")
            // A read-only open only checks the mode: switching it would write the file.
            let mode = try queryOne(options.access == .read ? "PRAGMA journal_mode" : "PRAGMA journal_mode = WAL", []) { $0.text(0) }
            guard mode == "wal" else {
                throw StoreError.cannotOpen(path: path, reason: "cannot switch to WAL mode (got '\(mode ?? "?")')")
            }
            try execute("PRAGMA synchronous = \(options.synchronous.rawValue)")
            // Every step rewrites the same few pages (the run row, index leaves): checkpointing every
            // 8,000 pages instead of 1,000 copies each hot page once instead of eight times.
            try execute("PRAGMA wal_autocheckpoint = 8000")
            // After a checkpoint lets the log restart, truncate it back to this size: without a limit the file
            // keeps its largest size forever (hundreds of MB after many runs).
            try execute("PRAGMA journal_size_limit = 16777216")
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Finalizes every statement and closes the file. Safe to call twice.
    func close() {
        statements.removeAll()
        if let database { sqlite3_close_v2(database) }
        database = nil
    }

    private func handle() throws(StoreError) -> OpaquePointer {
        guard let database else { throw .closed(path: path) }
        return database
    }

    /// Runs one or more statements that take no parameters and return nothing needed.
    func execute(_ sql: String) throws(StoreError) {
        let database = try handle()
        let code = sqlite3_exec(database, sql, nil, nil, nil)
        guard code == SQLITE_OK else {
            throw storeError(SQLiteFailure(code: code, message: String(cString: sqlite3_errmsg(database))))
        }
    }

    /// The cached prepared statement for `sql`.
    func statement(_ sql: String) throws(StoreError) -> Statement {
        if let cached = statements[sql] { return cached }
        let database = try handle()
        let prepared: Statement
        do {
            prepared = try Statement(database: database, sql: sql, path: path)
        } catch {
            throw storeError(error)
        }
        statements[sql] = prepared
        return prepared
    }

    /// Runs a statement that returns no rows; returns the number of rows it changed.
    @discardableResult
    func run(_ sql: String, _ values: [SQLValue]) throws(StoreError) -> Int {
        let prepared = try statement(sql)
        defer { prepared.reset() }
        prepared.bind(values)
        do {
            while try prepared.step() {}
        } catch {
            throw storeError(error)
        }
        return Int(sqlite3_changes(try handle()))
    }

    /// Runs a query and maps each row.
    func query<Row>(
        _ sql: String, _ values: [SQLValue], row: (Statement) throws(StoreError) -> Row
    ) throws(StoreError) -> [Row] {
        let prepared = try statement(sql)
        defer { prepared.reset() }
        prepared.bind(values)
        var rows: [Row] = []
        while try step(prepared) {
            rows.append(try row(prepared))
        }
        return rows
    }

    /// Runs a query and maps its first row, if any.
    func queryOne<Row>(
        _ sql: String, _ values: [SQLValue], row: (Statement) throws(StoreError) -> Row
    ) throws(StoreError) -> Row? {
        let prepared = try statement(sql)
        defer { prepared.reset() }
        prepared.bind(values)
        guard try step(prepared) else { return nil }
        return try row(prepared)
    }

    private func step(_ prepared: Statement) throws(StoreError) -> Bool {
        do {
            return try prepared.step()
        } catch {
            throw storeError(error)
        }
    }

    /// The rowid of the last row this connection inserted.
    var lastInsertRowID: Int64 {
        database.map { sqlite3_last_insert_rowid($0) } ?? 0
    }

    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws.
    ///
    /// `immediate` takes the write lock up front (waiting up to the busy timeout), so a
    /// writer never fails half-way on a lock upgrade.
    func transaction<Value>(
        immediate: Bool, _ body: () throws(StoreError) -> Value
    ) throws(StoreError) -> Value {
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            rollbackIfOpen()
            throw error
        }
    }

    private func rollbackIfOpen() {
        guard let database, sqlite3_get_autocommit(database) == 0 else { return }
        sqlite3_exec(database, "ROLLBACK", nil, nil, nil)
    }

    /// Maps a raw SQLite failure to the store's error for this file.
    func storeError(_ failure: SQLiteFailure) -> StoreError {
        switch failure.code & 0xff {
        case SQLITE_NOTADB: return .notADatabase(path: path)
        case SQLITE_CORRUPT: return .corrupt(path: path, detail: failure.message)
        case SQLITE_BUSY, SQLITE_LOCKED: return .busy(path: path)
        case SQLITE_CANTOPEN: return .cannotOpen(path: path, reason: failure.message)
        default: return .sqlite(path: path, code: failure.code, message: failure.message)
        }
    }
}
