/// Standard base64 (RFC 4648, padded) as Go's `encoding/json` reads `[]byte` fields: line breaks are
/// skipped, anything else outside the alphabet is an error at its byte offset.
enum Base64 {
    struct Failure: Error {
        /// Offset in the UTF-8 text of the first byte that cannot be decoded.
        var offset: Int
        var reason: String
    }

    static func decode(_ text: String) -> Result<[UInt8], Failure> {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count * 3 / 4)
        var quad: [UInt8] = []
        var padding = 0
        var offset = 0
        for byte in text.utf8 {
            defer { offset += 1 }
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { continue }
            if byte == UInt8(ascii: "=") {
                guard quad.count >= 2 else { return .failure(Failure(offset: offset, reason: "padding \"=\" in the wrong place")) }
                padding += 1
                quad.append(0)
            } else {
                guard padding == 0 else { return .failure(Failure(offset: offset, reason: "data after the padding")) }
                guard let value = value(of: byte) else {
                    return .failure(Failure(offset: offset, reason: "a character outside the base64 alphabet"))
                }
                quad.append(value)
            }
            if quad.count == 4 {
                guard padding <= 2 else { return .failure(Failure(offset: offset, reason: "too much padding")) }
                let bits = UInt32(quad[0]) << 18 | UInt32(quad[1]) << 12 | UInt32(quad[2]) << 6 | UInt32(quad[3])
                output.append(UInt8(truncatingIfNeeded: bits >> 16))
                if padding < 2 { output.append(UInt8(truncatingIfNeeded: bits >> 8)) }
                if padding < 1 { output.append(UInt8(truncatingIfNeeded: bits)) }
                quad.removeAll(keepingCapacity: true)
                if padding > 0 { padding = 3 }  // nothing may follow a padded group
            }
        }
        guard quad.isEmpty else {
            return .failure(Failure(offset: offset, reason: "the data ends in the middle of a group (missing \"=\" padding?)"))
        }
        return .success(output)
    }

    static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let count = min(3, bytes.count - index)
            var bits = UInt32(bytes[index]) << 16
            if count > 1 { bits |= UInt32(bytes[index + 1]) << 8 }
            if count > 2 { bits |= UInt32(bytes[index + 2]) }
            out.append(alphabet[Int(bits >> 18 & 63)])
            out.append(alphabet[Int(bits >> 12 & 63)])
            out.append(count > 1 ? alphabet[Int(bits >> 6 & 63)] : UInt8(ascii: "="))
            out.append(count > 2 ? alphabet[Int(bits & 63)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func value(of byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
