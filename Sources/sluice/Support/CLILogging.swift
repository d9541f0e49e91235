#if canImport(Glibc)
import Glibc
#endif
import Logging

/// Where the runtime's and the server's logs go from the CLI: standard error (standard output carries the
/// run's tree, JSON and tables), at `$SLUICE_LOG_LEVEL` (trace, debug, info, notice, warning, error,
/// critical; default warning).
enum CLILogging {
    static func bootstrap() {
        let text = getenv("SLUICE_LOG_LEVEL").map { String(cString: $0).lowercased() } ?? "warning"
        let level = Logger.Level(rawValue: text) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
