#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX file and path operations for the config loader, with the system's reason on failure.
enum FileBytes {
    /// Why a read failed: the errno text, and whether the file simply does not exist.
    struct Failure: Error {
        var reason: String
        var missing: Bool
    }

    /// The whole file, refusing anything larger than `limit` bytes.
    static func contents(of path: String, limit: Int = 16 << 20) -> Result<[UInt8], Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(failure(errno)) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return .failure(failure(errno)) }
            if n == 0 { return .success(bytes) }
            bytes += chunk[0..<n]
            if bytes.count > limit { return .failure(Failure(reason: "the file is larger than \(limit) bytes", missing: false)) }
        }
    }

    /// True when `path` names something that exists (a file we may or may not be able to read).
    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// True when `path` is a regular file this process may execute.
    static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }

    static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    private static func failure(_ code: Int32) -> Failure {
        Failure(reason: describe(code), missing: code == ENOENT || code == ENOTDIR)
    }
}

/// Lexical path handling as Go's `filepath` does it: relative kubeconfig paths join the file's folder.
enum FilePath {
    /// The folder holding `path` (`.` for a bare name).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// `path` made absolute against the working directory, then cleaned.
    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return clean(path) }
        return clean(join(currentDirectory(), path))
    }

    /// `path` unchanged when absolute or empty, else joined to `base` and cleaned.
    static func resolve(_ path: String, against base: String) -> String {
        guard !path.isEmpty, !path.hasPrefix("/") else { return path }
        return clean(join(base, path))
    }

    static func join(_ base: String, _ path: String) -> String {
        base.hasSuffix("/") ? base + path : base + "/" + path
    }

    /// Removes `.`, empty segments and `..` that can be taken back, like Go's `filepath.Clean`.
    static func clean(_ path: String) -> String {
        let rooted = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
            } else if part == "..", rooted {
                continue
            } else {
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        if rooted { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    private static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
