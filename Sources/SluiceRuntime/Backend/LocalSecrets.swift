import Foundation
import SluiceModel

/// Where the local backend reads secrets: a folder with one file per secret (`<dir>/NAME`, its whole content
/// is the value) or one folder per secret with a file per key (`<dir>/NAME/KEY`). By default
/// `$SLUICE_SECRETS_DIR`, else `<store>/secrets`. Values are handed to the task as environment variables.
public struct LocalSecrets: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// The folder for a store: `$SLUICE_SECRETS_DIR` when set, else `<store>/secrets`.
    public static func directory(forStore store: String) -> String {
        ProcessInfo.processInfo.environment["SLUICE_SECRETS_DIR"] ?? store + "/secrets"
    }

    /// The file that holds the secret's value.
    public func file(_ s: SecretRef) -> String {
        let base = directory + "/" + s.name
        return s.key.map { base + "/" + $0 } ?? base
    }

    /// Whether the secret's file exists and is a readable regular file.
    public func exists(_ s: SecretRef) -> Bool {
        guard Self.isSafeName(s.name), s.key.map(Self.isSafeName) ?? true else { return false }
        var info = stat()
        return stat(file(s), &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && access(file(s), R_OK) == 0
    }

    /// The secret's value (a trailing newline, as editors add, is dropped).
    public func value(_ s: SecretRef) throws(BackendError) -> String {
        guard Self.isSafeName(s.name), s.key.map(Self.isSafeName) ?? true,
              let data = FileManager.default.contents(atPath: file(s)) else {
            throw BackendError("secret '\(s.name)'\(s.key.map { " key '\($0)'" } ?? "") cannot be read from \(file(s))", kind: .user)
        }
        var text = String(decoding: data, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// The variable a secret is given as: its `env`, else its key or name in upper case with `-` and `.` as `_`.
    public static func variable(_ s: SecretRef) -> String {
        if let env = s.env { return env }
        return String((s.key ?? s.name).uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    /// One path component: no `/`, not `.` or `..`, not empty.
    static func isSafeName(_ n: String) -> Bool {
        !n.isEmpty && n != "." && n != ".." && !n.contains("/") && !n.utf8.contains(0)
    }
}
