import CSQLite
import SluiceModel
import SluicePlugin
import SQLTask
import Testing

/// A SQLite database file for one test, made with the C API directly.
struct TestDatabase {
    let path = temporaryFolder() + "/test.db"

    init(_ setup: String) throws {
        try exec(setup)
    }

    func exec(_ sql: String) throws {
        var db: OpaquePointer?
        defer { sqlite3_close(db) }
        guard sqlite3_open(path, &db) == SQLITE_OK, sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else {
            throw SetupError(message: String(cString: sqlite3_errmsg(db)))
        }
    }

    /// Whether another connection holds the write lock (a statement is writing right now).
    var isLocked: Bool {
        var db: OpaquePointer?
        defer { sqlite3_close(db) }
        guard sqlite3_open(path, &db) == SQLITE_OK else { return false }
        let rc = sqlite3_exec(db, "begin immediate; rollback", nil, nil, nil)
        return rc == SQLITE_BUSY
    }

    struct SetupError: Error { var message: String }

    /// A config for this database.
    func config(_ statement: String, timeout: String? = nil) -> String {
        let escaped = statement.replacingOccurrences(of: "\"", with: "\\\"")
        return #"{"dialect": "sqlite", "database": "\#(path)", "statement": "\#(escaped)"\#(timeout.map { #", "timeout": "\#($0)""# } ?? "")}"#
    }
}

/// An insert that never ends on its own: it holds the write lock while it runs.
let endlessInsert = "insert into sink with recursive n(i) as (select 1 union all select i + 1 from n) select i from n"

@Suite struct SQLTaskTests {
    static let setup = """
        create table readings(city text, temperature real);
        insert into readings values ('Lyon', 21.5), ('Oslo', 3.0), ('Lyon', 19.0);
        create table sink(i int);
        """

    @Test func rowsComeBackAsAListOfObjectsWithInputsBoundAsParameters() async throws {
        let db = try TestDatabase(Self.setup)
        let task = pluginTask(db.config("select city, temperature from readings where city = {{inputs.city}} order by temperature"),
                              inputs: ["city": .string], outputs: ["rows": .list(.json)])
        let out = try await SQLTask().run(attempt(task, ["city": .string("Lyon")]))
        #expect(out == ["rows": .list([.map(["city": .string("Lyon"), "temperature": .float(19)]),
                                       .map(["city": .string("Lyon"), "temperature": .float(21.5)])])])
        // A value that would change the statement if pasted in is only ever data.
        let injected = try await SQLTask().run(attempt(task, ["city": .string("x' or '1'='1")]))
        #expect(injected == ["rows": .list([])])
    }

    @Test func aScalarOutputIsTheFirstValueOfTheFirstRow() async throws {
        let db = try TestDatabase(Self.setup)
        let task = pluginTask(db.config("select count(*) from readings where temperature > {{inputs.min}}"),
                              inputs: ["min": .float], outputs: ["n": .int])
        #expect(try await SQLTask().run(attempt(task, ["min": .float(10)])) == ["n": .int(2)])
        let none = pluginTask(db.config("select city from readings where 0"), outputs: ["c": .string])
        let e = await failure { try await SQLTask().run(attempt(none)) }
        #expect(e?.kind == .permanent && e?.message.contains("no row") == true, "\(String(describing: e))")
        let optional = pluginTask(db.config("select city from readings where 0"), outputs: ["c": .optional(.string)])
        #expect(try await SQLTask().run(attempt(optional)) == ["c": .none])
    }

    @Test func anErrorCarriesTheDatabasesMessageAndPosition() async throws {
        let db = try TestDatabase(Self.setup)
        let missing = pluginTask(db.config("select city from readingz"))
        let e1 = await failure { try await SQLTask().run(attempt(missing)) }
        #expect(e1?.kind == .permanent && e1?.message.contains("no such table: readingz") == true, "\(String(describing: e1))")
        // The position is counted in the statement as written, {{inputs.city}} and all.
        let task = pluginTask(db.config("select city from readings where city = {{inputs.city}} and and 1"), inputs: ["city": .string])
        let e = await failure { try await SQLTask().run(attempt(task, ["city": .string("Lyon")])) }
        #expect(e?.kind == .permanent, "\(String(describing: e))")
        #expect(e?.message.contains("syntax error") == true && e?.message.contains("at character 60") == true, "\(String(describing: e))")
    }

    @Test func theDatabasePathMayComeFromASecret() async throws {
        let db = try TestDatabase(Self.setup)
        let task = pluginTask(#"{"dialect": "sqlite", "database": {"secret": "db"}, "statement": "select count(*) from readings"}"#, outputs: ["n": .int])
        #expect(try await SQLTask().run(attempt(task, secrets: ["db": db.path])) == ["n": .int(3)])
    }

    @Test func theTimeoutInterruptsALongStatement() async throws {
        let db = try TestDatabase(Self.setup)
        let e = await failure { try await SQLTask().run(attempt(pluginTask(db.config(endlessInsert, timeout: "300ms")))) }
        #expect(e?.kind == .retryable && e?.message.contains("timeout") == true, "\(String(describing: e))")
        #expect(!db.isLocked)
    }

    @Test func cancelInterruptsTheRunningStatement() async throws {
        let db = try TestDatabase(Self.setup)
        let running = Task { await failure { try await SQLTask().run(attempt(pluginTask(db.config(endlessInsert)))) } }
        // Cancel only once the statement holds the write lock, so the interrupt is what stops it.
        while !db.isLocked { await Task.yield() }
        running.cancel()
        let e = await running.value
        #expect(e?.kind == .cancelled, "\(String(describing: e))")
        #expect(!db.isLocked)
    }
}
