import SluiceModel
import SluicePlugin

/// A `run_in: pod` sql task's container: `psql` reading the statement from its standard input, each input a psql
/// variable (`--set=sluice_1=VALUE`) that the statement names as `:'sluice_1'`, which psql sends as a quoted
/// literal: values are never pasted into the statement's text. With an output, the statement is wrapped in one
/// query that builds the outputs object as JSON, written to `$SLUICE_OUTPUTS`.
struct PsqlPod {
    static let statementVariable = "SLUICE_SQL_STATEMENT"
    static let databaseVariable = "SLUICE_SQL_DATABASE"

    let container: PluginContainer

    init(_ s: SQLSettings, inputs: [String: LiteralValue]) {
        var arguments: [String] = []
        var statement = ""
        for part in s.template.parts {
            switch part {
            case .text(let t): statement += t
            case .input(let name):
                guard let value = PostgresQuery.text(inputs[name] ?? .none) else {
                    statement += "NULL"
                    continue
                }
                let index = s.template.inputNames.firstIndex(of: name)! + 1
                if !arguments.contains(where: { $0.hasPrefix("--set=sluice_\(index)=") }) { arguments.append("--set=sluice_\(index)=\(value)") }
                statement += ":'sluice_\(index)'"
            }
        }
        var output = ""
        switch s.result {
        case .none: break
        case .rows(let name):
            statement = "with sluice_q as (\n\(Self.trimmed(statement))\n) select json_build_object(\(Self.literal(name)), coalesce(json_agg(sluice_q), '[]'::json)) from sluice_q"
            output = " --output=\"$SLUICE_OUTPUTS\""
        case .scalar(let name, _):
            statement = "with sluice_q as (\n\(Self.trimmed(statement))\n) select json_build_object(\(Self.literal(name)), (select * from sluice_q limit 1))"
            output = " --output=\"$SLUICE_OUTPUTS\""
        }
        let script = "printf '%s\\n' \"$\(Self.statementVariable)\" | psql --no-psqlrc --quiet --no-align --tuples-only --set=ON_ERROR_STOP=1"
            + " --dbname=\"$\(Self.databaseVariable)\"\(output) \"$@\""
        var env = [EnvVar(name: Self.statementVariable, value: statement)]
        var secrets: [SecretRef] = []
        switch s.database {
        case .path(let connection): env.append(EnvVar(name: Self.databaseVariable, value: connection))
        case .secret(let name, let key): secrets.append(SecretRef(name: name, key: key, env: Self.databaseVariable))
        }
        container = PluginContainer(image: s.image, command: ["sh", "-c", script, "sluice-sql"] + arguments, env: env, secrets: secrets)
    }

    /// The statement without trailing semicolons and space, to go inside a `with`.
    private static func trimmed(_ text: String) -> String {
        var t = Substring(text)
        while let last = t.last, last.isWhitespace || last == ";" { t = t.dropLast() }
        return String(t)
    }

    private static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
}
