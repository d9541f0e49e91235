#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A JSON text that could not be read: where (byte offset) and what was expected.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public let offset: Int
    public let message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

extension JSONValue {
    /// Reads one whole JSON value; white space may surround it, anything else after it is an error.
    public static func parse(_ buffer: UnsafeRawBufferPointer) throws(JSONError) -> JSONValue {
        try parse(buffer, keys: nil)
    }

    /// With `keys`, long member names are shared with other documents parsed with the same cache.
    static func parse(_ buffer: UnsafeRawBufferPointer, keys: KeyCache?) throws(JSONError) -> JSONValue {
        var parser = JSONParser(buffer.bindMemory(to: UInt8.self), keys: keys)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.position == parser.end else { throw parser.error("unexpected text after the value") }
        return value
    }

    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONError) -> JSONValue {
        let result: Result<JSONValue, JSONError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONError) -> JSONValue in try parse(UnsafeRawBufferPointer(buffer)) }
        }
        if let result { return try result.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBytes { buffer in Result { () throws(JSONError) -> JSONValue in try parse(buffer) } }.get()
    }

    public static func parse(_ text: String) throws(JSONError) -> JSONValue {
        var text = text
        return try text.withUTF8 { buffer in
            Result { () throws(JSONError) -> JSONValue in try parse(UnsafeRawBufferPointer(buffer)) }
        }.get()
    }
}

/// A recursive-descent reader over bytes. Strings without escapes are made in one step from their bytes.
struct JSONParser {
    let base: UnsafePointer<UInt8>?
    let end: Int
    var position = 0
    static let maxDepth = 512
    let members = ParseScratch<JSONObject.Entry>()
    let items = ParseScratch<JSONValue>()
    /// Shares long member names between documents parsed by the same owner (see `KeyCache`).
    let keys: KeyCache?

    init(_ buffer: UnsafeBufferPointer<UInt8>, keys: KeyCache? = nil) {
        base = buffer.baseAddress
        end = buffer.count
        self.keys = keys
    }

    func error(_ message: String) -> JSONError { JSONError(offset: position, message: message) }

    @inline(__always) func byte(_ i: Int) -> UInt8 { base.unsafelyUnwrapped[i] }

    @inline(__always) mutating func skipSpace() {
        while position < end {
            switch byte(position) {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    mutating func value(depth: Int) throws(JSONError) -> JSONValue {
        guard position < end else { throw error("expected a value, found the end") }
        switch byte(position) {
        case UInt8(ascii: "{"): return .object(try object(depth: depth + 1))
        case UInt8(ascii: "["): return .array(try array(depth: depth + 1))
        case UInt8(ascii: "\""): return .string(try sharedString(maxShared: 64))
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("expected a value")
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONError) {
        let n = word.utf8CodeUnitCount
        guard position + n <= end else { throw error("expected \(word)") }
        let w = word.utf8Start
        for i in 0..<n where byte(position + i) != w[i] { throw error("expected \(word)") }
        position += n
    }

    mutating func object(depth: Int) throws(JSONError) -> JSONObject {
        guard depth <= Self.maxDepth else { throw error("nested deeper than \(Self.maxDepth) levels") }
        position += 1
        let start = members.count
        skipSpace()
        if position < end, byte(position) == UInt8(ascii: "}") {
            position += 1
            return JSONObject()
        }
        while true {
            skipSpace()
            guard position < end, byte(position) == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
            let key = try sharedString(maxShared: .max)
            skipSpace()
            guard position < end, byte(position) == UInt8(ascii: ":") else { throw error("expected ':' after a member name") }
            position += 1
            skipSpace()
            members.push(JSONObject.Entry(key: key, value: try value(depth: depth)))
            skipSpace()
            guard position < end else { throw error("unterminated object") }
            let c = byte(position)
            position += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "}") { break }
            position -= 1
            throw error("expected ',' or '}' in an object")
        }
        return JSONObject(entries: members.pop(from: start))
    }

    mutating func array(depth: Int) throws(JSONError) -> [JSONValue] {
        guard depth <= Self.maxDepth else { throw error("nested deeper than \(Self.maxDepth) levels") }
        position += 1
        let start = items.count
        skipSpace()
        if position < end, byte(position) == UInt8(ascii: "]") {
            position += 1
            return []
        }
        while true {
            skipSpace()
            items.push(try value(depth: depth))
            skipSpace()
            guard position < end else { throw error("unterminated array") }
            let c = byte(position)
            position += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "]") { break }
            position -= 1
            throw error("expected ',' or ']' in an array")
        }
        return items.pop(from: start)
    }

    mutating func string() throws(JSONError) -> String {
        position += 1
        let start = position
        while position < end {
            let c = byte(position)
            if c == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(start: base.unsafelyUnwrapped + start, count: position - start), as: UTF8.self)
                position += 1
                return s
            }
            if c == UInt8(ascii: "\\") { return try escapedString(from: start) }
            if c < 0x20 { throw error("control character in a string") }
            position += 1
        }
        throw error("unterminated string")
    }

    /// Like `string()`, but with a key cache a string of 16 to `maxShared` bytes without escapes comes from
    /// the cache (member names always; values only up to `maxShared`, as long ones are rarely repeated).
    mutating func sharedString(maxShared: Int) throws(JSONError) -> String {
        guard let keys else { return try string() }
        let start = position + 1
        var i = start
        while i < end {
            let c = byte(i)
            if c == UInt8(ascii: "\"") {
                guard i - start > 15, i - start <= maxShared else { break }
                position = i + 1
                return keys.string(UnsafeBufferPointer(start: base.unsafelyUnwrapped + start, count: i - start))
            }
            if c == UInt8(ascii: "\\") || c < 0x20 { break }
            i += 1
        }
        return try string()
    }

    mutating func escapedString(from start: Int) throws(JSONError) -> String {
        var out: [UInt8] = Array(UnsafeBufferPointer(start: base.unsafelyUnwrapped + start, count: position - start))
        while position < end {
            let c = byte(position)
            position += 1
            switch c {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard position < end else { throw error("unterminated escape") }
                let e = byte(position)
                position += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"): try unicodeEscape(into: &out)
                default:
                    position -= 1
                    throw error("unknown escape '\\\(Character(Unicode.Scalar(e)))'")
                }
            default:
                if c < 0x20 {
                    position -= 1
                    throw error("control character in a string")
                }
                out.append(c)
            }
        }
        throw error("unterminated string")
    }

    mutating func hex4() throws(JSONError) -> UInt32 {
        guard position + 4 <= end else { throw error("expected four hex digits after \\u") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = byte(position)
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("expected four hex digits after \\u")
            }
            v = v << 4 | d
            position += 1
        }
        return v
    }

    mutating func unicodeEscape(into out: inout [UInt8]) throws(JSONError) {
        var scalar = try hex4()
        if (0xD800...0xDBFF).contains(scalar), position + 6 <= end,
           byte(position) == UInt8(ascii: "\\"), byte(position + 1) == UInt8(ascii: "u")
        {
            let save = position
            position += 2
            let low = try hex4()
            if (0xDC00...0xDFFF).contains(low) {
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else {
                position = save
            }
        }
        let s = Unicode.Scalar(scalar) ?? "\u{FFFD}"
        out.append(contentsOf: String(Character(s)).utf8)
    }

    mutating func number() throws(JSONError) -> JSONValue {
        let start = position
        var negative = false
        if byte(position) == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        guard position < end, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte(position)) else {
            throw error("expected a digit")
        }
        var magnitude: UInt64 = 0
        var overflow = false
        if byte(position) == UInt8(ascii: "0") {
            position += 1
        } else {
            while position < end, case let c = byte(position), c >= 0x30, c <= 0x39 {
                let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (m2, o2) = m1.addingReportingOverflow(UInt64(c - 0x30))
                overflow = overflow || o1 || o2
                magnitude = m2
                position += 1
            }
        }
        var isInteger = true
        if position < end, byte(position) == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard position < end, (0x30...0x39).contains(byte(position)) else { throw error("expected a digit after '.'") }
            while position < end, (0x30...0x39).contains(byte(position)) { position += 1 }
        }
        if position < end, byte(position) | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            position += 1
            if position < end, byte(position) == UInt8(ascii: "+") || byte(position) == UInt8(ascii: "-") { position += 1 }
            guard position < end, (0x30...0x39).contains(byte(position)) else { throw error("expected a digit in the exponent") }
            while position < end, (0x30...0x39).contains(byte(position)) { position += 1 }
        }
        if isInteger, !overflow {
            if negative, magnitude <= UInt64(Int64.max) + 1 {
                return .int(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
            }
            if !negative, magnitude <= UInt64(Int64.max) { return .int(Int64(magnitude)) }
        }
        return .double(parseDouble(from: start, to: position))
    }

    func parseDouble(from start: Int, to stop: Int) -> Double {
        var text = [CChar](repeating: 0, count: stop - start + 1)
        for i in start..<stop { text[i - start] = CChar(bitPattern: byte(i)) }
        return strtod(text, nil)
    }
}
