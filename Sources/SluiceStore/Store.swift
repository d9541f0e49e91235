import Foundation

/// The durable record of runs, actions, attempts, events, inbox messages, cache entries and
/// leases: one SQLite file `<directory>/sluice.db` in WAL mode.
///
/// A `Store` owns one connection. Its methods are synchronous and serialized by a lock, so
/// one instance may be shared between threads; SQLite calls block on disk and on other
/// processes' write locks, which is why this is not an actor (an actor would park that
/// blocking on the 2-thread cooperative pool). Several processes may open the same file:
/// writes take the lock up front (`BEGIN IMMEDIATE`) and wait up to the busy timeout.
/// Every method throws only `StoreError`.
public final class Store: @unchecked Sendable {
    /// The database file's path.
    public let path: String
    /// The options the file was opened with.
    public let options: StoreOptions

    private let lock = NSLock()
    // Guarded by `lock`; nil once closed.
    private var connection: Connection?
    // Commits made through this instance, for `changeToken()` (guarded by `lock`).
    private var localWrites: Int64 = 0
    private var checkpointer: Checkpointer?
    // The latest write that failed for a reason of the disk or file (full, read-only, I/O), cleared by the next
    // write that succeeds; and how many such failures there were (guarded by `lock`).
    private var failingWrite: WriteFailure?
    private var writeFailures: Int64 = 0

    private init(path: String, options: StoreOptions, connection: Connection) {
        self.path = path
        self.options = options
        self.connection = connection
    }

    /// The file name inside the store folder.
    public static let fileName = "sluice.db"

    /// Opens `<directory>/sluice.db`, creating the folder and the file if needed and applying
    /// any migrations not yet recorded. Never deletes or rewrites an existing file that is not
    /// a Sluice database: it fails with `notADatabase`, `corrupt` or `cannotOpen` instead.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public static func open(directory: String, options: StoreOptions = StoreOptions()) throws(StoreError) -> Store {
        guard options.access == .create else { return try openExisting(directory: directory, options: options) }
        do {
            // Owner-only: the store holds inputs, flows, approval comments, logs and tokens.
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } else if !isDirectory.boolValue {
                throw StoreError.cannotCreateDirectory(path: directory, reason: "a file is in the way")
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .cannotCreateDirectory(path: directory, reason: error.localizedDescription)
        }
        let path = URL(fileURLWithPath: directory).appendingPathComponent(fileName).path
        try makePrivate(path)
        let connection = try Connection(path: path, options: options)
        do {
            try Migrator.migrate(connection)
        } catch {
            connection.close()
            throw error
        }
        let store = Store(path: path, options: options, connection: connection)
        if options.backgroundCheckpoint {
            store.checkpointer = try Checkpointer(path: path, options: options)
            try connection.execute("PRAGMA wal_autocheckpoint = 0")
        }
        return store
    }

    /// Opens `<directory>/sluice.db` only if it is there, never creating the folder or the file; `.read` access
    /// applies no migration and makes the connection refuse writes.
    private static func openExisting(directory: String, options: StoreOptions) throws(StoreError) -> Store {
        let path = URL(fileURLWithPath: directory).appendingPathComponent(fileName).path
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & 0o170000 == 0o100000, info.st_size > 0 else {
            throw .noStore(path: directory)
        }
        let connection = try Connection(path: path, options: options)
        do throws(StoreError) {
            if options.access == .read {
                let found = try Migrator.appliedVersion(connection)
                guard found > 0 else { throw StoreError.noStore(path: directory) }
                if found < Migrator.latestVersion {
                    throw StoreError.schemaTooOld(path: path, found: found, supported: Migrator.latestVersion)
                }
                if found > Migrator.latestVersion {
                    throw StoreError.schemaTooNew(path: path, found: found, supported: Migrator.latestVersion)
                }
                try connection.execute("PRAGMA query_only = 1")
            } else {
                try Migrator.migrate(connection)
            }
        } catch {
            connection.close()
            throw error
        }
        return Store(path: path, options: options, connection: connection)
    }

    /// Creates the database file 0600 before SQLite does (SQLite gives its `-wal` and `-shm` files the same
    /// mode), and takes group and other bits off an existing one.
    private static func makePrivate(_ path: String) throws(StoreError) {
        let fd = Glibc.open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { Glibc.close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, info.st_mode & 0o077 != 0 {
            fchmod(fd, info.st_mode & 0o700)
            for suffix in ["-wal", "-shm"] { chmod(path + suffix, info.st_mode & 0o700) }
        }
    }

    /// Closes the file. Later calls fail with `StoreError.closed`. Safe to call twice.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        checkpointer?.stop()
        checkpointer = nil
        // Fold the log into the database and empty it, so a store used by many short commands keeps a small
        // log; a busy writer elsewhere just leaves it for later (the busy timeout bounds the wait).
        try? connection?.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection?.close()
        connection = nil
    }

    deinit { connection?.close() }

    /// The schema version the file is at.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func schemaVersion() throws(StoreError) -> Int {
        try withConnection { connection throws(StoreError) in try Migrator.appliedVersion(connection) }
    }

    /// A value that changes whenever anything was committed to the file, by this instance or
    /// by any other connection or process. Costs one `PRAGMA data_version`: cheap enough to
    /// poll every ~50 ms before doing real reads.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func changeToken() throws(StoreError) -> StoreChangeToken {
        try withConnection { connection throws(StoreError) in
            let version = try connection.queryOne("PRAGMA data_version", []) { $0.int64(0) } ?? 0
            return StoreChangeToken(dataVersion: version, localWrites: localWrites)
        }
    }

    // MARK: Serialized access

    /// Runs `body` with the connection, holding the lock.
    func withConnection<Value>(_ body: (Connection) throws(StoreError) -> Value) throws(StoreError) -> Value {
        lock.lock()
        defer { lock.unlock() }
        guard let connection else { throw .closed(path: path) }
        return try body(connection)
    }

    /// Runs `body` in one read transaction, so every query in it sees the same snapshot.
    func read<Value>(_ body: (Connection) throws(StoreError) -> Value) throws(StoreError) -> Value {
        try withConnection { connection throws(StoreError) in
            try connection.transaction(immediate: false) { () throws(StoreError) in try body(connection) }
        }
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction: all of it lands or none of it does.
    func write<Value>(_ body: (Connection) throws(StoreError) -> Value) throws(StoreError) -> Value {
        try withConnection { connection throws(StoreError) in
            let value: Value
            do throws(StoreError) {
                value = try connection.transaction(immediate: true) { () throws(StoreError) in try body(connection) }
            } catch {
                if Self.isMediumFailure(error) {
                    failingWrite = WriteFailure(since: failingWrite?.since ?? Date(), message: error.description)
                    writeFailures += 1
                }
                throw error
            }
            failingWrite = nil
            localWrites += 1
            return value
        }
    }

    /// Fault injection for tests: makes this connection refuse writes as a read-only file does (SQLITE_READONLY),
    /// through SQLite's own `query_only` switch.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func refuseWritesForTesting(_ on: Bool) throws(StoreError) {
        try withConnection { connection throws(StoreError) in try connection.execute("PRAGMA query_only = \(on ? 1 : 0)") }
    }

    /// Whether writes fail now because of the disk or the file, not because of what was written.
    public var writeHealth: (failing: WriteFailure?, failuresSoFar: Int64) {
        lock.withLock { (failingWrite, writeFailures) }
    }

    /// SQLITE_FULL (13), SQLITE_READONLY (8), SQLITE_IOERR (10), SQLITE_CANTOPEN (14), by primary code.
    static func isMediumFailure(_ error: StoreError) -> Bool {
        if case .sqlite(_, let code, _) = error { return [8, 10, 13, 14].contains(code & 0xff) }
        return false
    }
}

/// Writes are failing because of the disk or the file: since when, and the latest reason.
public struct WriteFailure: Sendable, Equatable {
    public var since: Date
    public var message: String
}

/// An opaque marker of the file's committed state; compare two to learn whether anything
/// changed in between.
public struct StoreChangeToken: Hashable, Sendable {
    let dataVersion: Int64
    let localWrites: Int64
}
