#if os(Linux)
import Glibc

/// The unprivileged account local tasks run as, so a task cannot read what the controller keeps in the
/// store (the database, `admin.token`, `callback.key`, secrets).
///
/// Only a controller running as root can switch users. Folders are then laid out so the account reaches
/// its own attempt and nothing else: the path to an attempt is traverse-only (0711), the attempt folder
/// is `root:<group>` 01770 (the task creates `outputs.json` and `progress.jsonl`, but cannot remove or
/// rewrite the supervisor's files), `work/` is the account's own, and `inputs.json` is readable by the group.
public struct TaskUser: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var uid: uid_t
    public var gid: gid_t
    public var home: String

    /// The account sluice's setup creates for tasks when it runs as root.
    public static let defaultName = "sluice-task"

    public init(name: String, uid: uid_t, gid: gid_t, home: String) {
        self.name = name
        self.uid = uid
        self.gid = gid
        self.home = home
    }

    /// Looks the account up by name (or numeric uid); nil when there is none.
    public static func lookup(_ name: String) -> TaskUser? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        if let uid = uid_t(name) {
            guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        } else {
            guard getpwnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        }
        let home = entry.pw_dir.map { String(cString: $0) } ?? "/"
        return TaskUser(name: entry.pw_name.map { String(cString: $0) } ?? name, uid: entry.pw_uid, gid: entry.pw_gid,
                        home: home.isEmpty ? "/" : home)
    }

    public var description: String { "\(name) (uid \(uid), gid \(gid))" }

    /// Whether this process may switch to other users at all.
    public static var canSwitch: Bool { geteuid() == 0 }
}

/// Modes and owners of the folders and files of local attempts, with or without a task user.
struct FolderAccess: Sendable, Hashable {
    let user: TaskUser?

    /// Folders on the way to an attempt: private, or traverse-only when a task user must reach its attempt.
    var pathMode: mode_t { user == nil ? 0o700 : 0o711 }

    /// Makes the attempt folder and `work/` and hands the task user what it needs.
    func prepare(_ folder: AttemptFolder) throws(FileIOError) {
        try FileIO.makeDirectories(folder.work, mode: pathMode)
        guard let user else { return }
        // Folders made before the task user was configured may still be owner-only.
        let node = String(folder.path[..<(folder.path.lastIndex(of: "/") ?? folder.path.endIndex)])
        let run = String(node[..<(node.lastIndex(of: "/") ?? node.endIndex)])
        for dir in [run, node] where chmod(dir, pathMode) != 0 { throw FileIOError(path: dir, reason: FileIO.describe(errno)) }
        try apply(folder.path, owner: 0, group: user.gid, mode: 0o1770)
        try apply(folder.work, owner: user.uid, group: user.gid, mode: 0o700)
    }

    /// `inputs.json` and other files the task reads.
    func shareReadable(_ path: String) throws(FileIOError) {
        guard let user else { return }
        try apply(path, owner: 0, group: user.gid, mode: 0o640)
    }

    /// A folder the task's working directory lives in (`working_dir` under `work/`).
    func handOver(_ path: String) throws(FileIOError) {
        guard let user else { return }
        try apply(path, owner: user.uid, group: user.gid, mode: 0o700)
    }

    private func apply(_ path: String, owner: uid_t, group: gid_t, mode: mode_t) throws(FileIOError) {
        guard chown(path, owner, group) == 0, chmod(path, mode) == 0 else {
            throw FileIOError(path: path, reason: FileIO.describe(errno))
        }
    }
}
#endif
