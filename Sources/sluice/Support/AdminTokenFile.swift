import Foundation
import SluiceStore

/// `sluice serve --admin-token-file FILE`: an admin token chosen outside the store (a Kubernetes Secret mounted
/// as a file), registered as the token `bootstrap` on every start, so a server beyond loopback can start on an
/// empty store and its operator already holds the token.
enum AdminTokenFile {
    /// The name the token gets in the store (`sluice token list` shows it).
    static let tokenName = "bootstrap"
    /// Shorter secrets are guessable; Helm's chart generates 48 characters.
    static let minimumLength = 32
    /// A token file is one line; anything bigger is the wrong file.
    static let maximumBytes = 4096

    /// Reads the token in `path` and makes it a live admin token of the store in `storeDirectory`.
    static func register(_ path: String, storeDirectory: String) throws {
        let secret = try read(path)
        let store: Store
        do { store = try Store.open(directory: storeDirectory) } catch {
            throw CLIError.input("cannot open the store at \(storeDirectory): \(error)")
        }
        defer { store.close() }
        let outcome: ProvidedTokenOutcome
        do { outcome = try store.ensureToken(name: tokenName, role: .admin, secret: secret) } catch {
            throw CLIError.input("--admin-token-file \(path): cannot register the token in the store at \(storeDirectory): \(error)")
        }
        switch outcome {
        case .unchanged: break
        case .created: FileHandleOutput.standardError("sluice serve: registered the admin token in \(path) as '\(tokenName)'")
        case .replaced: FileHandleOutput.standardError("sluice serve: the admin token in \(path) changed; revoked the old '\(tokenName)' token and registered the new one")
        }
    }

    /// The token in `path`: one line, surrounding whitespace ignored. Errors name the file and what was expected.
    static func read(_ path: String) throws -> String {
        let expected = "expected a file holding one admin token of at least \(minimumLength) characters (e.g. `openssl rand -hex 32`)"
        var info = stat()
        guard stat(path, &info) == 0 else {
            let reason = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
            throw CLIError.input("--admin-token-file \(path): \(reason); \(expected)")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw CLIError.input("--admin-token-file \(path): not a regular file; \(expected)")
        }
        guard info.st_size <= maximumBytes else {
            throw CLIError.input("--admin-token-file \(path): \(info.st_size) bytes is too big for a token; \(expected)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError.input("--admin-token-file \(path): cannot read it (\(String(cString: strerror(errno)))); \(expected)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIError.input("--admin-token-file \(path): not UTF-8 text; \(expected)")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if token.isEmpty {
            throw CLIError.input("--admin-token-file \(path): the file is empty; \(expected)")
        }
        if token.contains(where: { $0.isWhitespace || $0.isNewline }) {
            throw CLIError.input("--admin-token-file \(path): the token contains whitespace or several lines; \(expected)")
        }
        if token.count < minimumLength {
            throw CLIError.input("--admin-token-file \(path): the token is \(token.count) characters long, too short; \(expected)")
        }
        return token
    }
}
