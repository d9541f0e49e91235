/// How a `Store` opens its file.
public struct StoreOptions: Sendable, Equatable {
    /// How hard a commit pushes to disk before it returns.
    public enum Synchronous: String, Sendable, Equatable {
        /// WAL + NORMAL: a commit survives the process being killed (kill -9), and the file
        /// never corrupts; a power loss or kernel crash may lose the last commits. The default.
        case normal = "NORMAL"
        /// WAL + FULL: every commit is fsynced, so it also survives a power loss. Slower.
        case full = "FULL"
    }

    /// Durability of each commit; see `Synchronous`.
    public var synchronous: Synchronous
    /// How long a statement waits for another process's write lock before `StoreError.busy`.
    public var busyTimeout: Duration

    /// Move WAL checkpoints (copying the log into the database file, with an fsync) off the writing
    /// thread onto a background thread of this store. For the process that drives runs; short-lived
    /// CLI processes leave it off and checkpoint as SQLite does by default.
    public var backgroundCheckpoint: Bool

    /// What opening may do to the folder and the file.
    public enum Access: Sendable, Equatable {
        /// Create the folder and the database if missing, and apply pending migrations (commands that start runs,
        /// the server, `token create`). The default.
        case create
        /// Open an existing store only (`noStore` otherwise) and apply pending migrations (commands that act on
        /// existing runs: approve, abort, delete, prune).
        case existing
        /// Open an existing store only, change nothing: no migration (`schemaTooOld` instead), and every write
        /// is refused by SQLite (`query_only`). For commands that only read.
        case read
    }

    /// What opening may do; see `Access`.
    public var access: Access

    /// Options with NORMAL durability and a 5 s busy timeout unless told otherwise.
    public init(synchronous: Synchronous = .normal, busyTimeout: Duration = .seconds(5), backgroundCheckpoint: Bool = false,
                access: Access = .create) {
        self.synchronous = synchronous
        self.busyTimeout = busyTimeout
        self.backgroundCheckpoint = backgroundCheckpoint
        self.access = access
    }
}
