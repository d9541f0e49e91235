import SluiceModel
import SluicePlugin
import SQLTask
import Testing

/// The sql task's postgres dialect against a real server on loopback.
@Suite(.serialized, .enabled(if: PostgresServer.available, "PostgreSQL (Debian's postgresql package) is not installed"))
struct PostgresTaskTests {
    static func connection() async throws -> String { try await PostgresServer.started.value.get() }

    static func task(_ statement: String, timeout: String? = nil, inputs: [String: LiteralType] = [:], outputs: [String: LiteralType] = [:]) -> PluginTask {
        let escaped = statement.replacingOccurrences(of: "\"", with: "\\\"")
        return pluginTask(#"{"dialect": "postgres", "database": {"secret": "pg"}, "statement": "\#(escaped)"\#(timeout.map { #", "timeout": "\#($0)""# } ?? "")}"#,
                          inputs: inputs, outputs: outputs)
    }

    func run(_ task: PluginTask, _ inputs: [String: LiteralValue] = [:]) async throws -> [String: LiteralValue] {
        try await SQLTask().run(attempt(task, inputs, secrets: ["pg": try await Self.connection()]))
    }

    @Test func rowsAreTypedAndInputsAreBoundAsParameters() async throws {
        let t = Self.task("select {{inputs.n}}::int + 1 as n, {{inputs.city}}::text as city, true as ok, '{\"a\": [1]}'::jsonb as doc, 1.5::float8 as x",
                          inputs: ["n": .int, "city": .string], outputs: ["rows": .list(.json)])
        let out = try await run(t, ["n": .int(41), "city": .string("x' or '1'='1")])
        #expect(out == ["rows": .list([.map(["n": .int(42), "city": .string("x' or '1'='1"), "ok": .bool(true),
                                              "doc": .map(["a": .list([.int(1)])]), "x": .float(1.5)])])])
    }

    @Test func aScalarOutputIsTheFirstValue() async throws {
        let t = Self.task("select count(*) from generate_series(1, {{inputs.n}})", inputs: ["n": .int], outputs: ["count": .int])
        #expect(try await run(t, ["n": .int(7)]) == ["count": .int(7)])
    }

    @Test func anErrorCarriesTheServersMessageSQLStateAndPosition() async throws {
        let e = await failure { try await run(Self.task("select {{inputs.n}}::int from nowhere", inputs: ["n": .int]), ["n": .int(1)]) }
        #expect(e?.kind == .permanent, "\(String(describing: e))")
        // "nowhere" starts at character 31 of the statement as written.
        #expect(e?.message.contains(#"relation "nowhere" does not exist"#) == true && e?.message.contains("SQLSTATE 42P01") == true
                && e?.message.contains("at character 31") == true, "\(String(describing: e))")
    }

    @Test func theStatementTimeoutStopsALongQuery() async throws {
        let e = await failure { try await run(Self.task("select pg_sleep(600)", timeout: "300ms")) }
        #expect(e?.kind == .retryable && e?.message.contains("timeout") == true, "\(String(describing: e))")
    }

    @Test func cancelStopsTheQueryOnTheServer() async throws {
        let marker = "sluice-cancel-\(UInt32.random(in: 0...UInt32.max))"
        let running = Task { await failure { try await run(Self.task("select pg_sleep(600) as \"\(marker)\"")) } }
        let watch = Self.task("select count(*) from pg_stat_activity where state = 'active' and query like {{inputs.q}} and pid <> pg_backend_pid()",
                              inputs: ["q": .string], outputs: ["n": .int])
        // Cancel once the server runs the statement, so the server-side cancel is what ends it.
        while try await run(watch, ["q": .string("%\(marker)%")]) != ["n": .int(1)] { await Task.yield() }
        running.cancel()
        let e = await running.value
        #expect(e?.kind == .cancelled, "\(String(describing: e))")
        #expect(try await run(watch, ["q": .string("%\(marker)%")]) == ["n": .int(0)])
    }
}
