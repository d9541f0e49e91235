import Foundation

/// Every failure of the store, each naming the run, node or file it is about.
///
/// `description` is one sentence for the CLI; `code` is a stable token for API bodies.
public enum StoreError: Error, Equatable, Sendable {
    /// The store's folder could not be created.
    case cannotCreateDirectory(path: String, reason: String)
    /// SQLite could not open the file (missing permission, a folder in the way, ...).
    case cannotOpen(path: String, reason: String)
    /// The file exists but is not an SQLite database; it was left untouched.
    case notADatabase(path: String)
    /// The database is damaged; it was left untouched.
    case corrupt(path: String, detail: String)
    /// The file was migrated by a newer Sluice than this one.
    case schemaTooNew(path: String, found: Int, supported: Int)
    /// There is no store in the folder (opened with an access that does not create one).
    case noStore(path: String)
    /// The file was made by an older Sluice and a read-only open may not migrate it.
    case schemaTooOld(path: String, found: Int, supported: Int)
    /// A run id prefix matches several runs (the first few are named).
    case ambiguousRunID(prefix: String, matches: [String], path: String)
    /// The run has not finished, or a controller still holds its lease: it cannot be deleted.
    case runNotDeletable(runID: String, reason: String, path: String)
    /// The store was used after `close()`.
    case closed(path: String)
    /// Another process held the write lock for longer than the busy timeout.
    case busy(path: String)
    /// No run has this id.
    case noRun(runID: String, path: String)
    /// A run with this id already exists.
    case runExists(runID: String, path: String)
    /// The inbox item is already consumed, or is not addressed to this run.
    case inboxItemUnavailable(id: Int64, runID: String, path: String)
    /// A commit named a lease owner that does not hold the run's lease (any more).
    case leaseNotHeld(runID: String, owner: String, path: String)
    /// A value read back from the file could not be decoded.
    case badValue(what: String, path: String, reason: String)
    /// Any other SQLite failure: its result code and message.
    case sqlite(path: String, code: Int32, message: String)
}

extension StoreError: CustomStringConvertible, LocalizedError {
    /// One sentence a person can act on.
    public var description: String {
        switch self {
        case let .cannotCreateDirectory(path, reason):
            return "cannot create the store folder \(path): \(reason)"
        case let .cannotOpen(path, reason):
            return "cannot open the store \(path): \(reason)"
        case let .notADatabase(path):
            return "\(path) is not an SQLite database; it was left as it is"
        case let .corrupt(path, detail):
            return "the store \(path) is damaged (\(detail)); it was left as it is"
        case let .schemaTooNew(path, found, supported):
            return "the store \(path) has schema version \(found), newer than the \(supported) this sluice knows: use a newer sluice"
        case let .noStore(path):
            return "no store at \(path)"
        case let .schemaTooOld(path, found, supported):
            return "the store \(path) has schema version \(found), older than the \(supported) this sluice reads; a command that writes (sluice run, sluice serve) upgrades it"
        case let .ambiguousRunID(prefix, matches, _):
            return "run id '\(prefix)' is ambiguous: it starts \(matches.joined(separator: ", "))\(matches.count >= RunIDPrefix.shownMatches ? ", …" : ""); give more of it"
        case let .runNotDeletable(runID, reason, _):
            return "run '\(runID)' \(reason)"
        case let .closed(path):
            return "the store \(path) is closed"
        case let .busy(path):
            return "the store \(path) stayed locked by another process past the busy timeout"
        case let .noRun(runID, path):
            return "no run '\(runID)' in \(path)"
        case let .runExists(runID, path):
            return "a run '\(runID)' already exists in \(path)"
        case let .inboxItemUnavailable(id, runID, path):
            return "inbox item \(id) for run '\(runID)' in \(path) is already consumed or belongs to another run"
        case let .leaseNotHeld(runID, owner, path):
            return "'\(owner)' does not hold the lease of run '\(runID)' in \(path)"
        case let .badValue(what, path, reason):
            return "cannot read \(what) from \(path): \(reason)"
        case let .sqlite(path, code, message):
            return "SQLite error \(code) in \(path): \(message)"
        }
    }

    /// Same as `description`, for `localizedDescription`.
    public var errorDescription: String? { description }

    /// A stable, machine-readable token for the case (for JSON error bodies).
    public var code: String {
        switch self {
        case .cannotCreateDirectory: return "cannot-create-directory"
        case .cannotOpen: return "cannot-open"
        case .notADatabase: return "not-a-database"
        case .corrupt: return "corrupt"
        case .schemaTooNew: return "schema-too-new"
        case .noStore: return "no-store"
        case .schemaTooOld: return "schema-too-old"
        case .ambiguousRunID: return "ambiguous-run-id"
        case .runNotDeletable: return "run-not-deletable"
        case .closed: return "closed"
        case .busy: return "busy"
        case .noRun: return "no-run"
        case .runExists: return "run-exists"
        case .inboxItemUnavailable: return "inbox-item-unavailable"
        case .leaseNotHeld: return "lease-not-held"
        case .badValue: return "bad-value"
        case .sqlite: return "sqlite"
        }
    }
}
