import CLibPQ
import Foundation
import SluiceModel
import SluicePlugin
import Synchronization

/// One statement on one PostgreSQL connection (libpq), run on a thread of its own (never the Swift pool). The
/// timeout is the server's `statement_timeout`; a cancel of the calling task sends the server a cancel request
/// (`PQcancel`), which stops the statement there.
final class PostgresQuery: Sendable {
    private struct State {
        /// The connection's cancel handle's address (a pointer is not Sendable; PQcancel may be called from any thread).
        var cancelHandle: Int?
        var cancelled = false
        var finished = false
    }

    let connection: String
    let statement: SQLStatement
    let inputs: [String: LiteralValue]
    let timeout: Duration?
    private let state = Mutex(State())

    init(connection: String, statement: SQLStatement, inputs: [String: LiteralValue], timeout: Duration?) {
        self.connection = connection
        self.statement = statement
        self.inputs = inputs
        self.timeout = timeout
    }

    func run() async throws(PluginFailure) -> [Row] {
        let result: Result<[Row], PluginFailure> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let thread = Thread { [self] in continuation.resume(returning: execute()) }
                thread.name = "sluice-pg"
                thread.start()
            }
        } onCancel: {
            state.withLock { s in
                s.cancelled = true
                guard !s.finished, let handle = s.cancelHandle else { return }
                var buffer = [CChar](repeating: 0, count: 256)
                _ = PQcancel(OpaquePointer(bitPattern: handle), &buffer, Int32(buffer.count))
            }
        }
        return try result.get()
    }

    private func execute() -> Result<[Row], PluginFailure> {
        var loadError = [CChar](repeating: 0, count: 512)
        guard clibpq_load(&loadError, loadError.count) == 0 else {
            return .failure(.system(String(decoding: loadError.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)))
        }
        let opened = PQconnectdb(connection)
        guard let conn = opened, PQstatus(conn) == CONNECTION_OK else {
            defer { PQfinish(opened) }
            let why = opened.map { String(cString: PQerrorMessage($0)).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "out of memory"
            // The server may be starting or restarting: another try may reach it.
            return .failure(.retryable("cannot connect to PostgreSQL: \(why)"))
        }
        defer { PQfinish(conn) }
        if let timeout {
            let ms = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
            PQclear(PQexec(conn, "set statement_timeout = \(max(1, ms))"))
        }
        let cancel = PQgetCancel(conn)
        let cancelledEarly = state.withLock { s in
            s.cancelHandle = cancel.map { Int(bitPattern: UnsafeRawPointer($0)) }
            return s.cancelled
        }
        defer {
            state.withLock { s in
                s.finished = true
                s.cancelHandle = nil
            }
            PQfreeCancel(cancel)
        }
        if cancelledEarly { return .failure(.cancelled) }
        let values = statement.parameters.map { Self.text(inputs[$0] ?? .none) }
        let result = Self.withCStrings(values) { pointers in
            PQexecParams(conn, statement.text, Int32(values.count), nil, pointers, nil, nil, 0)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK: return .success(rows(result!))
        case PGRES_COMMAND_OK: return .success([])
        default: return .failure(error(conn, result))
        }
    }

    private func error(_ conn: OpaquePointer, _ result: OpaquePointer?) -> PluginFailure {
        func field(_ code: Int32) -> String? { PQresultErrorField(result, code).map { String(cString: $0) } }
        let sqlstate = field(clibpq_diag_sqlstate()) ?? ""
        if sqlstate == "57014" {
            if state.withLock({ $0.cancelled }) { return .cancelled }
            if let timeout { return .retryable("the statement ran longer than its timeout of \(timeout) and was cancelled by the server") }
        }
        var message = "PostgreSQL: " + (field(clibpq_diag_message()) ?? String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines))
        if !sqlstate.isEmpty { message += " (SQLSTATE \(sqlstate))" }
        if let p = field(clibpq_diag_position()).flatMap(Int.init) {
            message += " at character \(statement.writtenOffset(p - 1) + 1) of the statement"
        }
        if let detail = field(clibpq_diag_detail()) { message += ": " + detail }
        // Connection loss (08), serialization failures and deadlocks (40), and a server out of resources (53)
        // may pass on another try; everything else is the statement's own fault.
        let retryable = ["08", "40", "53", "57"].contains(String(sqlstate.prefix(2))) || result == nil
        return retryable ? .retryable(message) : .permanent(message)
    }

    private func rows(_ result: OpaquePointer) -> [Row] {
        var rows: [Row] = []
        for r in 0..<PQntuples(result) {
            var row = Row()
            for c in 0..<PQnfields(result) {
                let name = String(cString: PQfname(result, c))
                guard PQgetisnull(result, r, c) == 0 else {
                    row.append(name, .none)
                    continue
                }
                row.append(name, Self.value(String(cString: PQgetvalue(result, r, c)), type: PQftype(result, c)))
            }
            rows.append(row)
        }
        return rows
    }

    /// A column's text as a value of its type: integers, floats and numerics, booleans, json and jsonb; text else.
    static func value(_ text: String, type: Oid) -> LiteralValue {
        switch type {
        case 20, 21, 23: return Int(text).map(LiteralValue.int) ?? .string(text)
        case 700, 701, 1700: return Double(text).map(LiteralValue.float) ?? .string(text)
        case 16: return .bool(text == "t")
        case 114, 3802: return LiteralValue.parseJSON(text) ?? .string(text)
        default: return .string(text)
        }
    }

    /// A parameter in PostgreSQL's text form; nil is SQL NULL. The server infers each parameter's type.
    static func text(_ v: LiteralValue) -> String? {
        switch v {
        case .none: nil
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .float(let d): String(d)
        case .list, .map: v.jsonText
        default: InputTemplate.plainText(v)
        }
    }

    private static func withCStrings<T>(_ values: [String?], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
        let copies = values.map { $0.map { strdup($0) } ?? nil }
        defer { for c in copies { free(c) } }
        return body(copies.map { $0.map { UnsafePointer($0) } })
    }
}
