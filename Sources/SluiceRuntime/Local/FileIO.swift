#if os(Linux)
import Glibc

/// Small POSIX file operations the runner needs on its hot path, without Foundation's overhead.
enum FileIO {
    /// The text of `errno` for messages.
    static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// The file's bytes, nil when it does not exist; throws when it is larger than `limit` or unreadable.
    /// Never follows a symbolic link and reads only regular files: a task may have planted `outputs.json` as a
    /// link to a file only the controller can read.
    static func read(_ path: String, limit: Int) throws(FileIOError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        if fd < 0 {
            if errno == ENOENT { return nil }
            if errno == ELOOP { throw FileIOError(path: path, reason: "is a symbolic link; only a regular file is read") }
            throw FileIOError(path: path, reason: describe(errno))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileIOError(path: path, reason: describe(errno)) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw FileIOError(path: path, reason: "is not a regular file") }
        if Int(info.st_size) > limit {
            throw FileIOError(path: path, reason: "is \(info.st_size) bytes; the limit is \(limit)")
        }
        return try readAll(fd, path: path, limit: limit)
    }

    /// Up to the last `count` bytes of the file and its size, nil when it does not exist.
    static func readTail(_ path: String, count: Int) -> (bytes: [UInt8], size: Int64)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        if fd < 0 { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        let size = Int64(info.st_size)
        let start = max(0, size - Int64(count))
        guard lseek(fd, off_t(start), SEEK_SET) >= 0, let bytes = try? readAll(fd, path: path, limit: count) else {
            return nil
        }
        return (bytes, size)
    }

    /// The file's size, nil when it does not exist.
    static func size(_ path: String) -> Int64? {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : nil
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Writes through a temporary file and rename, so readers see all of it or none.
    static func writeAtomically(_ path: String, _ text: String, mode: mode_t = 0o600) throws(FileIOError) {
        let temporary = path + ".tmp"
        // Never write through a name someone else may have planted (a task can create files in its folder).
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileIOError(path: temporary, reason: describe(errno)) }
        do { try writeAll(fd, text, path: temporary) } catch {
            close(fd)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw FileIOError(path: path, reason: describe(errno)) }
    }

    /// Writes a file that should not exist yet (an attempt's `inputs.json` and `launch.json`, written before its
    /// supervisor starts) straight under its name: two fewer file-system operations than `writeAtomically` on the
    /// hot path. A name that already exists (left half-written by a controller that died, or planted) is replaced
    /// through `writeAtomically`; readers of these files treat one they cannot decode as missing.
    static func writeFresh(_ path: String, _ text: String, mode: mode_t = 0o600) throws(FileIOError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else {
            if errno == EEXIST { return try writeAtomically(path, text, mode: mode) }
            throw FileIOError(path: path, reason: describe(errno))
        }
        do { try writeAll(fd, text, path: path) } catch {
            close(fd)
            unlink(path)
            throw error
        }
        close(fd)
    }

    /// Writes all of `text` to `fd` (a short or interrupted write is continued; the buffer is cleared after).
    private static func writeAll(_ fd: Int32, _ text: String, path: String) throws(FileIOError) {
        var bytes = Array(text.utf8)
        defer { bytes.removeAll() }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { throw FileIOError(path: path, reason: describe(errno)) }
            written += n
        }
    }

    /// This process's umask, read once (from /proc, which does not change it as `umask(2)` would); 0o022 if unreadable.
    private static let processUmask: mode_t = {
        guard let text = try? read("/proc/self/status", limit: 1 << 16).map({ String(decoding: $0, as: UTF8.self) }),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Umask:") }),
            let value = mode_t(String(line.dropFirst("Umask:".count).filter { $0 != " " && $0 != "\t" }), radix: 8)
        else { return 0o022 }
        return value
    }()

    /// Sets `mode` on a folder mkdir just made, unless the umask left it exact already (it mostly does: 0o700).
    private static func exactMode(_ path: String, _ mode: mode_t) {
        if mode & processUmask != 0 { chmod(path, mode) }
    }

    /// `mkdir -p`; folders it makes get `mode` (owner-only by default: attempt folders hold inputs and logs).
    static func makeDirectories(_ path: String, mode: mode_t = 0o700) throws(FileIOError) {
        if mkdir(path, mode) == 0 {
            exactMode(path, mode)  // mkdir applies the umask; these modes are exact
            return
        }
        if errno == EEXIST { return }
        guard errno == ENOENT, let slash = path.lastIndex(of: "/"), slash != path.startIndex else {
            throw FileIOError(path: path, reason: describe(errno))
        }
        try makeDirectories(String(path[..<slash]), mode: mode)
        if mkdir(path, mode) == 0 { exactMode(path, mode) } else if errno != EEXIST { throw FileIOError(path: path, reason: describe(errno)) }
    }

    /// Names in a directory (without `.` and `..`); empty when it does not exist.
    static func entries(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    private static func readAll(_ fd: Int32, path: String, limit: Int) throws(FileIOError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw FileIOError(path: path, reason: describe(errno)) }
            if n == 0 { return bytes }
            bytes += chunk[0..<n]
            if bytes.count > limit { throw FileIOError(path: path, reason: "is larger than the limit of \(limit) bytes") }
        }
    }
}

/// A file the runner could not read or write, with the reason.
struct FileIOError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { "\(path): \(reason)" }
}
#endif
