import CSQLite
import Foundation

/// One prepared statement, kept in its connection's cache and reset after each use.
final class Statement {
    let handle: OpaquePointer
    let sql: String
    /// The database file, for errors about values read from a row.
    let path: String

    init(database: OpaquePointer, sql: String, path: String) throws(SQLiteFailure) {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(database, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw SQLiteFailure(code: code, message: String(cString: sqlite3_errmsg(database)))
        }
        self.handle = statement
        self.sql = sql
        self.path = path
    }

    deinit { sqlite3_finalize(handle) }

    /// Binds the values to parameters 1...n.
    func bind(_ values: [SQLValue]) {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .null:
                sqlite3_bind_null(handle, index)
            case let .integer(number):
                sqlite3_bind_int64(handle, index, number)
            case let .text(string):
                // With its byte count, not as a C string: a NUL inside the text is kept, not the end of it.
                bindText(Data(string.utf8), at: index)
            case let .json(data):
                bindText(data, at: index)
            }
        }
    }

    private func bindText(_ data: Data, at index: Int32) {
        if data.isEmpty {
            // A nil pointer would bind NULL: bind an empty string instead.
            sqlite3_bind_text(handle, index, "", 0, csqlite_transient())
            return
        }
        data.withUnsafeBytes { bytes in
            _ = sqlite3_bind_text(
                handle, index, bytes.baseAddress?.assumingMemoryBound(to: CChar.self),
                Int32(bytes.count), csqlite_transient())
        }
    }

    /// Advances one row: true when a row is ready to read, false when done.
    func step() throws(SQLiteFailure) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            throw SQLiteFailure(code: code, message: String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))))
        }
    }

    /// Makes the statement ready for its next use.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: Reading the current row (columns count from 0)

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func int64OrNil(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }

    func intOrNil(_ column: Int32) -> Int? { int64OrNil(column).map { Int($0) } }

    func int32OrNil(_ column: Int32) -> Int32? { int64OrNil(column).map { Int32(truncatingIfNeeded: $0) } }

    func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        // Its byte count, not up to the first NUL (text may hold one; see bind).
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    func textOrNil(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    func data(_ column: Int32) -> Data {
        // SQLite asks for the pointer first, then the size.
        let pointer = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let pointer else { return Data() }
        return Data(bytes: pointer, count: count)
    }

    func dataOrNil(_ column: Int32) -> Data? { isNull(column) ? nil : data(column) }

    func date(_ column: Int32) -> Date { Date(millisecondsSince1970: int64(column)) }

    func dateOrNil(_ column: Int32) -> Date? { int64OrNil(column).map { Date(millisecondsSince1970: $0) } }
}

/// A raw SQLite result code and message, turned into a `StoreError` by the connection.
struct SQLiteFailure: Error {
    let code: Int32
    let message: String
}
