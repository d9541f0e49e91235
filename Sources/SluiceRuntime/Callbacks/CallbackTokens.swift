import CCrypto
import Foundation

/// Per-attempt callback tokens, derived rather than stored:
/// `hex(HMAC-SHA256(secret, "<run>/<node>/<attempt>/<purpose>"))`, with one random secret per store kept in
/// `<store>/callback.key` (mode 0600, created once). A token is valid for exactly one attempt.
public struct CallbackTokens: Sendable {
    private let secret: [UInt8]

    public init(secret: [UInt8]) { self.secret = secret }

    /// The store's secret, creating `callback.key` on first use.
    public init(storeDirectory: String) throws {
        let path = storeDirectory + "/callback.key"
        if let data = FileManager.default.contents(atPath: path), data.count >= 32 {
            secret = [UInt8](data)
            return
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        try? FileManager.default.createDirectory(atPath: storeDirectory, withIntermediateDirectories: true)
        // O_EXCL: when two processes race, the first file wins and both read it back.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if fd >= 0 {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
            if written == bytes.count { secret = bytes; return }
        }
        guard let data = FileManager.default.contents(atPath: path), data.count >= 32 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        secret = [UInt8](data)
    }

    /// The token of one attempt (`purpose` is "run" or "revert").
    public func token(runID: String, node: String, attempt: Int, purpose: String) -> String {
        Self.hex(mac(runID: runID, node: node, attempt: attempt, purpose: purpose))
    }

    /// Whether `token` is the token of that attempt (constant-time compare).
    public func verify(_ token: String, runID: String, node: String, attempt: Int, purpose: String) -> Bool {
        let expected = Array(self.token(runID: runID, node: node, attempt: attempt, purpose: purpose).utf8)
        let given = Array(token.utf8)
        guard given.count == expected.count else { return false }
        return CRYPTO_memcmp(given, expected, given.count) == 0
    }

    private func mac(runID: String, node: String, attempt: Int, purpose: String) -> [UInt8] {
        let message = Array("\(runID)/\(node)/\(attempt)/\(purpose)".utf8)
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = secret.withUnsafeBytes { key in
            message.withUnsafeBytes { msg in
                HMAC(EVP_sha256(), key.baseAddress, Int32(key.count), msg.baseAddress?.assumingMemoryBound(to: UInt8.self),
                     msg.count, &out, &length)
            }
        }
        return Array(out.prefix(Int(length)))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Where an attempt's task sends callbacks, and how it proves which attempt it is.
public struct CallbackConfig: Sendable {
    /// The server's base URL, e.g. `http://127.0.0.1:8470`.
    public var baseURL: String
    public var tokens: CallbackTokens

    public init(baseURL: String, tokens: CallbackTokens) {
        self.baseURL = baseURL
        self.tokens = tokens
    }

    /// The path of one attempt's callback endpoint (node percent-encoded).
    public static func path(runID: String, node: String, attempt: Int) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let enc = { (s: String) in s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s }
        return "/api/v1/callbacks/\(enc(runID))/\(enc(node))/\(attempt)"
    }

    /// `SLUICE_CALLBACK_URL` and `SLUICE_CALLBACK_TOKEN` for one attempt.
    public func environment(runID: String, node: String, attempt: Int, purpose: String) -> [String: String] {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        var url = base + Self.path(runID: runID, node: node, attempt: attempt)
        if purpose == "revert" { url += "?purpose=revert" }
        return ["SLUICE_CALLBACK_URL": url,
                "SLUICE_CALLBACK_TOKEN": tokens.token(runID: runID, node: node, attempt: attempt, purpose: purpose)]
    }
}
