import CCrypto
import Foundation

/// Token secrets: generated from the system's random source, stored only as SHA-256 digests,
/// compared in constant time.
enum TokenSecret {
    /// The prefix every secret starts with, so a leaked one is easy to recognise and scan for.
    static let prefix = "slc_"

    /// A new secret: `slc_` and 32 random bytes as base64url without padding (47 characters).
    static func generate() -> String {
        prefix + base64URL(randomBytes(32))
    }

    /// A new token id: `tok_` and 8 random bytes in hex. Not secret.
    static func newID() -> String {
        "tok_" + hex(randomBytes(8))
    }

    /// The lowercase hex SHA-256 of the secret's UTF-8 bytes: the only form that is stored.
    static func digest(_ secret: String) -> String {
        let input = Array(secret.utf8)
        var output = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        _ = input.withUnsafeBufferPointer { bytes in
            output.withUnsafeMutableBufferPointer { out in
                SHA256(bytes.baseAddress, bytes.count, out.baseAddress)
            }
        }
        return hex(output)
    }

    /// True if the two digests are equal, taking the same time wherever they differ.
    static func digestsEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8), right = Array(b.utf8)
        guard left.count == right.count else { return false }
        return left.withUnsafeBytes { l in
            right.withUnsafeBytes { r in CRYPTO_memcmp(l.baseAddress, r.baseAddress, l.count) == 0 }
        }
    }

    private static func randomBytes(_ count: Int) -> [UInt8] {
        // Linux: getrandom(2), the same pool as /dev/urandom, without a file descriptor.
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    private static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
