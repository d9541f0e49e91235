// A small JSON reader and writer for `LiteralValue`: tasks' inputs and outputs cross this boundary once
// per attempt, and Foundation's coders cost more than the rest of an engine step together.

extension LiteralValue {
    /// Parses one JSON document; nil when the text is not valid JSON.
    public static func parseJSON(_ text: String) -> LiteralValue? {
        var text = text
        return text.withUTF8 { bytes in
            var p = JSONReader(bytes: bytes)
            p.skipSpace()
            guard let v = p.value(depth: 0) else { return nil }
            p.skipSpace()
            return p.index == bytes.count ? v : nil
        }
    }

    /// Canonical JSON text: object keys sorted, no spaces.
    public var jsonText: String {
        var out = ""
        JSONWriter.write(self, into: &out)
        return out
    }
}

private struct JSONReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }

    mutating func value(depth: Int) -> LiteralValue? {
        guard depth < 512, index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "{"): return object(depth: depth)
        case UInt8(ascii: "["): return array(depth: depth)
        case UInt8(ascii: "\""): return string().map(LiteralValue.string)
        case UInt8(ascii: "t"): return literal("true", .bool(true))
        case UInt8(ascii: "f"): return literal("false", .bool(false))
        case UInt8(ascii: "n"): return literal("null", LiteralValue.none)
        default: return number()
        }
    }

    mutating func literal(_ word: StaticString, _ v: LiteralValue) -> LiteralValue? {
        let n = word.utf8CodeUnitCount
        guard index + n <= bytes.count else { return nil }
        for i in 0..<n where bytes[index + i] != word.utf8Start[i] { return nil }
        index += n
        return v
    }

    mutating func object(depth: Int) -> LiteralValue? {
        index += 1
        var out: [String: LiteralValue] = [:]
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .map(out) }
        while true {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string() else { return nil }
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            skipSpace()
            guard let v = value(depth: depth + 1) else { return nil }
            out[key] = v
            skipSpace()
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .map(out) }
            return nil
        }
    }

    mutating func array(depth: Int) -> LiteralValue? {
        index += 1
        var out: [LiteralValue] = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .list(out) }
        while true {
            skipSpace()
            guard let v = value(depth: depth + 1) else { return nil }
            out.append(v)
            skipSpace()
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .list(out) }
            return nil
        }
    }

    mutating func string() -> String? {
        index += 1
        let start = index
        var simple = true
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                if simple {
                    defer { index += 1 }
                    return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                }
                break
            }
            if b == UInt8(ascii: "\\") { simple = false; break }
            if b < 0x20 { return nil }
            index += 1
        }
        index = start
        var scalars: [UInt8] = []
        while index < bytes.count {
            let b = bytes[index]
            index += 1
            if b == UInt8(ascii: "\"") { return String(decoding: scalars, as: UTF8.self) }
            if b < 0x20 { return nil }
            guard b == UInt8(ascii: "\\") else { scalars.append(b); continue }
            guard index < bytes.count else { return nil }
            let e = bytes[index]
            index += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(e)
            case UInt8(ascii: "b"): scalars.append(8)
            case UInt8(ascii: "f"): scalars.append(12)
            case UInt8(ascii: "n"): scalars.append(10)
            case UInt8(ascii: "r"): scalars.append(13)
            case UInt8(ascii: "t"): scalars.append(9)
            case UInt8(ascii: "u"):
                guard var code = hex4() else { return nil }
                if (0xD800..<0xDC00).contains(code), index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"),
                   bytes[index + 1] == UInt8(ascii: "u") {
                    index += 2
                    guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { return nil }
                scalars += Array(String(Character(scalar)).utf8)
            default: return nil
            }
        }
        return nil
    }

    mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            index += 1
            let d: UInt8
            switch b {
            case 48...57: d = b - 48
            case 65...70: d = b - 55
            case 97...102: d = b - 87
            default: return nil
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    mutating func number() -> LiteralValue? {
        let start = index
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let digitsStart = index
        while index < bytes.count, (48...57).contains(bytes[index]) { index += 1 }
        guard index > digitsStart else { return nil }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            let f = index
            while index < bytes.count, (48...57).contains(bytes[index]) { index += 1 }
            guard index > f else { return nil }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let e = index
            while index < bytes.count, (48...57).contains(bytes[index]) { index += 1 }
            guard index > e else { return nil }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if isInteger, let i = Int(text) { return .int(i) }
        return Double(text).map(LiteralValue.float)
    }
}

private enum JSONWriter {
    static func write(_ v: LiteralValue, into out: inout String) {
        switch v {
        case .int(let i): out += String(i)
        case .float(let d): out += d.isFinite ? (d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) + ".0" : String(d)) : "null"
        case .bool(let b): out += b ? "true" : "false"
        case .none: out += "null"
        case .string(let s), .datetime(let s), .blob(let s): string(s, into: &out)
        case .duration(let d): string(d.description, into: &out)
        case .list(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, into: &out)
            }
            out += "]"
        case .map(let entries):
            out += "{"
            for (i, k) in entries.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                string(k, into: &out)
                out += ":"
                write(entries[k]!, into: &out)
            }
            out += "}"
        }
    }

    static func string(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}
