import Foundation

/// YAML for `-o yaml`: the document `-o json` prints, written as block YAML with the same keys, values and
/// types. Strings that a YAML reader could take for something else (`yes`, `null`, `1.0`, a timestamp, text
/// with `: `) are double-quoted with JSON's escapes, which YAML reads the same way.
enum YAMLText {
    /// One JSON value, as decoded: numbers keep the kind JSON gave them.
    indirect enum Value: Decodable {
        case null, bool(Bool), int(Int64), double(Double), string(String), list([Value]), map([String: Value])

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let i = try? c.decode(Int64.self) { self = .int(i) }
            else if let d = try? c.decode(Double.self) { self = .double(d) }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else if let l = try? c.decode([Value].self) { self = .list(l) }
            else { self = .map(try c.decode([String: Value].self)) }
        }
    }

    /// The YAML of a JSON document (no trailing newline).
    static func from(json: String) throws -> String {
        let value = try JSONDecoder().decode(Value.self, from: Data(json.utf8))
        return block(value).joined(separator: "\n")
    }

    /// A value as lines at indent 0: a scalar or an empty collection is one line.
    static func block(_ value: Value) -> [String] {
        switch value {
        case .map(let m) where !m.isEmpty:
            return m.keys.sorted().flatMap { key -> [String] in
                let k = scalar(.string(key))
                let inner = m[key]!
                if let s = inline(inner) { return ["\(k): \(s)"] }
                return ["\(k):"] + block(inner).map { "  " + $0 }
            }
        case .list(let l) where !l.isEmpty:
            return l.flatMap { item -> [String] in
                let lines = block(item)
                return ["- " + lines[0]] + lines.dropFirst().map { "  " + $0 }
            }
        default:
            return [inline(value)!]
        }
    }

    /// A scalar or empty collection on one line; nil for a collection with members.
    private static func inline(_ value: Value) -> String? {
        switch value {
        case .map(let m): return m.isEmpty ? "{}" : nil
        case .list(let l): return l.isEmpty ? "[]" : nil
        default: return scalar(value)
        }
    }

    private static func scalar(_ value: Value) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            // YAML 1.1 readers (Yams, PyYAML) need a dot in a float: `1e-05` would read as a string.
            var text = "\(d)"
            if !text.contains("."), let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) { text.insert(contentsOf: ".0", at: e) }
            return text
        case .string(let s): return plainIsSafe(s) ? s : quoted(s)
        case .list, .map: return ""
        }
    }

    private static let reserved: Set<String> = ["y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"]

    /// A word of letters, digits and `_ . - /` that starts with a letter and is no YAML keyword.
    static func plainIsSafe(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic,
              !reserved.contains(s.lowercased()) else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_.-/".unicodeScalars.contains($0)) }
    }

    /// A double-quoted scalar; JSON's escapes mean the same in YAML.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 || (0x7f...0x9f).contains(u.value) || u.value == 0xfeff || u.value == 0x2028 || u.value == 0x2029 {
                    out += String(format: "\\u%04x", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
