import ArgumentParser
import Foundation
import SluiceRuntime
import SluiceStore

/// `--store DIR`: where the embedded store lives (default `./.sluice`, or `$SLUICE_STORE`).
struct StoreOption: ParsableArguments {
    @Option(name: .long, help: "Store folder (SQLite database and attempt folders). Default: $SLUICE_STORE or ./.sluice")
    var store: String?

    var directory: String {
        store ?? ProcessInfo.processInfo.environment["SLUICE_STORE"] ?? FileManager.default.currentDirectoryPath + "/.sluice"
    }

    /// Where `directory` came from, for messages.
    var source: String {
        if store != nil { return "--store" }
        return ProcessInfo.processInfo.environment["SLUICE_STORE"] != nil ? "$SLUICE_STORE" : "the default ./.sluice"
    }

    /// Just the store, for commands that read or post messages: no runner, no watcher thread. `.read` (the
    /// default) changes nothing, `.existing` may migrate, only `.create` makes a store; a store that is not
    /// there or cannot be opened is an input error (exit 2).
    func openStore(_ access: StoreOptions.Access = .read) throws -> Store {
        do { return try Store.open(directory: directory, options: StoreOptions(access: access)) } catch StoreError.noStore {
            throw CLIError.input("""
                no store at \(directory) (\(source)); start one with `sluice run FILE` or `sluice serve`, \
                or name an existing one with --store DIR or $SLUICE_STORE
                """)
        } catch {
            throw CLIError.input("cannot open the store at \(directory): \(error)")
        }
    }

    /// The run `given` names in `store`: its exact id, else the only run whose id starts with it.
    func resolveRun(_ given: String, in store: Store) throws -> String {
        do { return try store.resolveRunID(given) } catch {
            switch error {
            case .noRun: throw CLIError.input("no run '\(given)' in \(directory)")
            case .ambiguousRunID: throw CLIError.input(error.description)
            default: throw CLIError.input("cannot read runs from \(directory): \(error)")
            }
        }
    }

    /// `resolveRun` on the store opened read-only, for commands that then open it their own way.
    func resolveRun(_ given: String) throws -> String {
        let store = try openStore()
        defer { store.close() }
        return try resolveRun(given, in: store)
    }

    /// The embedded controller over the store (local backend), not started: it drives only the runs it is
    /// asked to drive (`Foreground.drive`).
    func controller() throws -> Controller {
        try controller(backend: try BackendOption.make("local", engine: nil, storeDirectory: directory))
    }

    /// The embedded controller over the store with the backend the run was started on (abort, retry).
    func controller(forRun runID: String) throws -> Controller {
        let recorded: String?
        let store = try openStore()
        defer { store.close() }
        do { recorded = try store.backend(ofRun: runID) } catch {
            throw CLIError.input("cannot read run '\(runID)' from \(directory): \(error)")
        }
        return try controller(backend: try BackendOption.make(recorded ?? "local", engine: nil, storeDirectory: directory))
    }

    /// The embedded controller over the store with the backend `name` (`local`, `container`).
    func controller(backend name: String, _ option: BackendOption) throws -> Controller {
        try controller(backend: try option.make(name, storeDirectory: directory))
    }

    private func controller(backend: any AttemptBackend) throws -> Controller {
        do { return try Controller(directory: directory, backend: backend) } catch let error as LocalRunnerError {
            throw CLIError.input("\(error)")
        } catch {
            throw CLIError.input("cannot open the store at \(directory): \(error)")
        }
    }
}

/// Errors the CLI reports as one sentence with a fixed exit status.
enum CLIError: Error, CustomStringConvertible {
    /// Bad input: unknown run, wrong type, not a gate. Exit 2.
    case input(String)
    /// The server cannot be reached, failed, or refused the token. Exit 3.
    case server(String)

    var description: String {
        switch self {
        case .input(let m), .server(let m): m
        }
    }

    var exitCode: Int32 {
        switch self {
        case .input: 2
        case .server: 3
        }
    }
}

/// Who is acting, for approvals and signals: `--by`, else `$SLUICE_USER`, else the login name.
func actingUser(_ given: String?) -> String {
    if let name = given ?? ProcessInfo.processInfo.environment["SLUICE_USER"] ?? ProcessInfo.processInfo.environment["USER"] {
        return name
    }
    if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { return String(cString: name) }
    return "uid \(getuid())"
}
