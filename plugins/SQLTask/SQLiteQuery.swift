import CSQLite
import Foundation
import SluiceModel
import SluicePlugin
import Synchronization

/// One statement on one SQLite connection, run on a thread of its own (never the Swift pool). A cancel of the
/// calling task or the statement timeout stops the statement inside SQLite (`sqlite3_interrupt`).
final class SQLiteQuery: Sendable {
    private struct State {
        /// The open connection's address (a pointer is not Sendable; SQLite allows interrupt from any thread).
        var db: Int?
        var cancelled = false
        var timedOut = false
        var finished = false
    }

    let path: String
    let statement: SQLStatement
    let inputs: [String: LiteralValue]
    let timeout: Duration?
    let wantsRows: Bool
    private let state = Mutex(State())

    init(path: String, statement: SQLStatement, inputs: [String: LiteralValue], timeout: Duration?, wantsRows: Bool) {
        self.path = path
        self.statement = statement
        self.inputs = inputs
        self.timeout = timeout
        self.wantsRows = wantsRows
    }

    func run() async throws(PluginFailure) -> [Row] {
        let result: Result<[Row], PluginFailure> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let thread = Thread { [self] in continuation.resume(returning: execute()) }
                thread.name = "sluice-sql"
                thread.start()
            }
        } onCancel: {
            interrupt { $0.cancelled = true }
        }
        return try result.get()
    }

    /// Marks why and interrupts the statement if one runs; a connection opened later sees the mark.
    private func interrupt(_ mark: (inout State) -> Void) {
        state.withLock { s in
            guard !s.finished else { return }
            mark(&s)
            if let db = s.db { sqlite3_interrupt(OpaquePointer(bitPattern: db)) }
        }
    }

    private func execute() -> Result<[Row], PluginFailure> {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            return .failure(.permanent("cannot open the SQLite database '\(path)': \(message)"))
        }
        defer {
            state.withLock { s in
                s.finished = true
                s.db = nil
            }
            sqlite3_close_v2(db)
        }
        let address = Int(bitPattern: UnsafeRawPointer(db))
        let cancelledEarly = state.withLock { s in
            s.db = address
            return s.cancelled
        }
        if cancelledEarly { return .failure(.cancelled) }
        sqlite3_busy_timeout(db, Int32(min(timeout.map { $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000 } ?? 5000, 60_000)))
        let timer = timeout.map { t in DeadlineTimer(after: t) { [self] in interrupt { $0.timedOut = true } } }
        defer { timer?.stop() }
        return step(db)
    }

    private func step(_ db: OpaquePointer) -> Result<[Row], PluginFailure> {
        var stmt: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let prepared = statement.text.withCString { text -> Int32 in
            let rc = sqlite3_prepare_v2(db, text, -1, &stmt, &tail)
            if rc == SQLITE_OK, let tail, !String(cString: tail).allSatisfy({ $0.isWhitespace || $0 == ";" }) {
                return -1
            }
            return rc
        }
        defer { sqlite3_finalize(stmt) }
        if prepared == -1 { return .failure(.permanent("the statement holds more than one SQL statement; a sql task runs one")) }
        guard prepared == SQLITE_OK, let stmt else { return .failure(error(db, preparing: true)) }
        for (i, name) in statement.parameters.enumerated() { bind(stmt, Int32(i + 1), inputs[name] ?? .none) }
        var rows: [Row] = []
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { return .success(rows) }
            guard rc == SQLITE_ROW else { return .failure(error(db, preparing: false)) }
            rows.append(row(stmt))
            if !wantsRows { return .success(rows) }
        }
    }

    private func error(_ db: OpaquePointer, preparing: Bool) -> PluginFailure {
        let code = sqlite3_errcode(db)
        let flags = state.withLock { ($0.cancelled, $0.timedOut) }
        if code == SQLITE_INTERRUPT {
            if flags.0 { return .cancelled }
            if flags.1, let timeout { return .retryable("the statement ran longer than its timeout of \(timeout) and was interrupted") }
        }
        var message = "SQLite: " + String(cString: sqlite3_errmsg(db))
        let offset = sqlite3_error_offset(db)
        if offset >= 0 { message += " (at character \(statement.writtenOffset(Int(offset)) + 1) of the statement)" }
        // A locked or busy database may be free on the next try; a statement that does not compile never will.
        let retryable = [SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_FULL].contains(code & 0xff)
        return retryable ? .retryable(message) : .permanent(message)
    }

    private func bind(_ stmt: OpaquePointer, _ index: Int32, _ value: LiteralValue) {
        switch value {
        case .int(let v): sqlite3_bind_int64(stmt, index, Int64(v))
        case .float(let v): sqlite3_bind_double(stmt, index, v)
        case .bool(let v): sqlite3_bind_int64(stmt, index, v ? 1 : 0)
        case .none: sqlite3_bind_null(stmt, index)
        case .string(let s), .datetime(let s), .blob(let s): sqlite3_bind_text(stmt, index, s, -1, csqlite_transient())
        case .duration(let d): sqlite3_bind_text(stmt, index, d.description, -1, csqlite_transient())
        case .list, .map: sqlite3_bind_text(stmt, index, value.jsonText, -1, csqlite_transient())
        }
    }

    private func row(_ stmt: OpaquePointer) -> Row {
        var row = Row(ordered: [], values: [:])
        for i in 0..<sqlite3_column_count(stmt) {
            let name = String(cString: sqlite3_column_name(stmt, i))
            let value: LiteralValue
            switch sqlite3_column_type(stmt, i) {
            case SQLITE_INTEGER: value = .int(Int(sqlite3_column_int64(stmt, i)))
            case SQLITE_FLOAT: value = .float(sqlite3_column_double(stmt, i))
            case SQLITE_NULL: value = .none
            default: value = .string(sqlite3_column_text(stmt, i).map { String(cString: $0) } ?? "")
            }
            row.ordered.append(value)
            row.values[name] = value
        }
        return row
    }
}

/// Calls `fire` once after `delay` unless stopped first; waits on a thread of its own, not the Swift pool.
private final class DeadlineTimer: Sendable {
    private let stopped = DispatchSemaphore(value: 0)

    init(after delay: Duration, fire: @escaping @Sendable () -> Void) {
        let stopped = self.stopped
        let nanos = delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000
        Thread {
            if stopped.wait(timeout: .now() + .nanoseconds(Int(nanos))) == .timedOut { fire() }
        }.start()
    }

    func stop() { stopped.signal() }
}
