import SluiceModel
import SluicePlugin

/// `type: sql`: one statement against a database from the controller, `{{inputs.NAME}}` bound as parameters,
/// its rows (or first value) the task's output. `dialect: sqlite` opens a database file, `dialect: postgres`
/// connects with a libpq connection string; the timeout and a cancel stop the running statement.
public struct SQLTask: TaskPlugin {
    public let type = "sql"

    public init() {}

    public func check(_ task: PluginTask) -> [ConfigProblem] {
        var reader = ConfigReader()
        _ = SQLSettings.read(task, &reader)
        return reader.problems
    }

    /// A single SELECT (or VALUES, or WITH over a query) may run again after an interruption; anything else may
    /// have written, so it is not repeated on its own.
    public func repeatSafety(_ task: PluginTask) -> RepeatSafety {
        var reader = ConfigReader()
        guard let s = SQLSettings.read(task, &reader), ReadOnlyStatement.isReadOnly(s.statement.text) else {
            return RepeatSafety(isSafe: false, effect: "a statement that may write")
        }
        return RepeatSafety(isSafe: true, effect: "a read-only statement")
    }

    public func secrets(_ task: PluginTask) -> [PluginSecret] {
        var reader = ConfigReader()
        guard case .secret(let name, let key)? = SQLSettings.read(task, &reader)?.database else { return [] }
        return [PluginSecret(path: "database.secret", SecretRef(name: name, key: key))]
    }

    public func rendersPod(_ task: PluginTask) -> Bool {
        var reader = ConfigReader()
        return SQLSettings.read(task, &reader)?.place == .pod
    }

    public func podSetting(_ task: PluginTask) -> String { "run_in" }

    public func container(for attempt: PluginAttempt) throws(PluginFailure) -> PluginContainer {
        var reader = ConfigReader()
        guard let s = SQLSettings.read(attempt.task, &reader), s.place == .pod else {
            throw .permanent("this sql task runs in the controller (run_in: pod renders a pod)")
        }
        return PsqlPod(s, inputs: attempt.inputs).container
    }

    public func run(_ attempt: PluginAttempt) async throws(PluginFailure) -> [String: LiteralValue] {
        var reader = ConfigReader()
        guard let s = SQLSettings.read(attempt.task, &reader) else {
            throw .permanent("invalid config: " + reader.problems.map { "\($0.path): \($0.message)" }.joined(separator: "; "))
        }
        let path: String  // the file (sqlite) or the connection string (postgres)
        switch s.database {
        case .path(let p): path = p
        case .secret(let name, let key): path = try attempt.secret(name, key)
        }
        let wantsRows = { if case .rows = s.result { true } else { false } }()
        let rows = s.dialect == "postgres"
            ? try await PostgresQuery(connection: path, statement: s.statement, inputs: attempt.inputs, timeout: s.timeout).run()
            : try await SQLiteQuery(path: path, statement: s.statement, inputs: attempt.inputs, timeout: s.timeout, wantsRows: wantsRows).run()
        switch s.result {
        case .none: return [:]
        case .rows(let name): return [name: .list(rows.map { .map($0.values) })]
        case .scalar(let name, let optional):
            guard let first = rows.first, let value = first.first else {
                if optional { return [name: .none] }
                throw .permanent("the statement returned no row, so output '\(name)' has no value (declare it optional to allow none)")
            }
            return [name: value]
        }
    }
}
