import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Store {
    /// On a server's first start: if no live admin token exists, creates one named `admin`
    /// (or `admin-<id>` if a live token already has that name), writes its secret to `file`
    /// readable by the owner only (0600), and returns the secret; otherwise returns nil and
    /// leaves `file` alone. The token and the file land together or not at all. Throws
    /// `StoreError`, or `AdminTokenFileError` if the file cannot be written.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func ensureAdminToken(file: String, now: Date = Date()) throws -> String? {
        var fileError: AdminTokenFileError?
        do {
            return try write { connection throws(StoreError) -> String? in
                let liveAdmin = try connection.queryOne(
                    "SELECT 1 FROM tokens WHERE role = 'admin' AND revoked IS NULL LIMIT 1", []) { $0.int64(0) }
                guard liveAdmin == nil else { return nil }
                let nameTaken = try connection.queryOne(
                    "SELECT 1 FROM tokens WHERE name = 'admin' AND revoked IS NULL", []) { $0.int64(0) }
                let id = TokenSecret.newID()
                let name = nameTaken == nil ? "admin" : "admin-\(id.dropFirst(4))"
                let (_, secret) = try insertToken(name: name, role: .admin, now: now, connection)
                do throws(AdminTokenFileError) {
                    try AdminTokenFile.save(secret, to: file)
                } catch {
                    fileError = error
                    // Rolls the token back: a token nobody can read would lock the admin out.
                    throw StoreError.badValue(what: "the admin token file", path: file, reason: error.description)
                }
                return secret
            }
        } catch {
            if let fileError { throw fileError }
            throw error
        }
    }
}

/// The admin token file could not be created or written.
public struct AdminTokenFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file.
    public var path: String
    /// What the system said.
    public var reason: String

    /// One sentence a person can act on.
    public var description: String { "cannot write the admin token to \(path): \(reason)" }
}

/// Writes a secret to a file only its owner can read.
enum AdminTokenFile {
    /// Creates `path` with mode 0600 (never a wider mode), or reuses an existing file after
    /// narrowing its mode to the owner's bits; never follows a symlink.
    static func save(_ secret: String, to path: String) throws(AdminTokenFileError) {
        var fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd < 0 && errno == EEXIST {
            fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)
            if fd >= 0 { try narrowMode(fd, path) }
        }
        guard fd >= 0 else { throw failure(path) }
        defer { close(fd) }
        guard ftruncate(fd, 0) == 0 else { throw failure(path) }
        let bytes = Array((secret + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw failure(path) }
            offset += n
        }
        guard fsync(fd) == 0 else { throw failure(path) }
    }

    private static func narrowMode(_ fd: Int32, _ path: String) throws(AdminTokenFileError) {
        var info = stat()
        guard fstat(fd, &info) == 0 else { close(fd); throw failure(path) }
        let mode = info.st_mode & 0o7777
        guard mode & 0o077 != 0 else { return }
        guard fchmod(fd, mode & 0o700) == 0 else { close(fd); throw failure(path) }
    }

    private static func failure(_ path: String) -> AdminTokenFileError {
        AdminTokenFileError(path: path, reason: String(cString: strerror(errno)))
    }
}
