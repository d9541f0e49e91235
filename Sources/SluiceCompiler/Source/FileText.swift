#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole file as UTF-8 text without Foundation.
enum FileText {
    /// Why a file could not be read, said so that the reader knows what to do.
    enum Failure: Error, Equatable {
        case missing
        case directory(flowFiles: [String])
        case unreadable(String)
        case notUTF8(offset: Int)

        var message: String {
            switch self {
            case .missing:
                return "no such file"
            case .directory(let files):
                let some = files.prefix(3).joined(separator: ", ")
                return files.isEmpty ? "this is a folder, not a flow file, and it holds no .yaml, .yml or .json file"
                    : "this is a folder, not a flow file; name a file in it, e.g. \(some)"
            case .unreadable(let reason):
                return "cannot read the file: \(reason)"
            case .notUTF8(let offset):
                return "the file is not UTF-8 text (byte \(offset) is not valid UTF-8)"
            }
        }
    }

    static func read(_ path: String) -> Result<String, Failure> {
        var info = stat()
        if stat(path, &info) != 0 {
            let code = errno
            return .failure(code == ENOENT || code == ENOTDIR ? .missing : .unreadable(String(cString: strerror(code))))
        }
        if (info.st_mode & S_IFMT) == S_IFDIR { return .failure(.directory(flowFiles: flowFiles(in: path))) }
        guard let f = fopen(path, "rb") else { return .failure(.unreadable(String(cString: strerror(errno)))) }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n > 0 { bytes.append(contentsOf: buffer[0..<n]) }
            if n < buffer.count { break }
        }
        if ferror(f) != 0 { return .failure(.unreadable(String(cString: strerror(errno)))) }
        if let text = String(validating: bytes, as: UTF8.self) { return .success(text) }
        return .failure(.notUTF8(offset: firstInvalidUTF8(bytes)))
    }

    /// The flow-looking files directly in a folder, sorted.
    private static func flowFiles(in path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasSuffix(".yaml") || name.hasSuffix(".yml") || name.hasSuffix(".json") {
                names.append((path.hasSuffix("/") ? path : path + "/") + name)
            }
        }
        return names.sorted()
    }

    /// The offset of the first byte that does not start or continue a valid UTF-8 sequence.
    private static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let length = b < 0x80 ? 1 : b & 0xE0 == 0xC0 ? 2 : b & 0xF0 == 0xE0 ? 3 : b & 0xF8 == 0xF0 ? 4 : 0
            guard length > 0, i + length <= bytes.count,
                  String(validating: bytes[i..<i + length], as: UTF8.self) != nil else { return i }
            i += length
        }
        return bytes.count
    }
}
