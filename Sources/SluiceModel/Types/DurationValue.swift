/// A length of time written as `500ms`, `30s`, `10m`, `1h30m`, `1.5h` or `2d`; exact to the millisecond.
public struct DurationValue: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }
    public static func seconds(_ s: Int64) -> DurationValue { DurationValue(milliseconds: s * 1000) }

    public var seconds: Double { Double(milliseconds) / 1000 }
    public static func < (a: DurationValue, b: DurationValue) -> Bool { a.milliseconds < b.milliseconds }

    private static let units: [(String, Int64)] = [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)]

    /// Canonical spelling: largest units first, e.g. `1h30m`, `1m0.5s` is written `60500ms`.
    public var description: String {
        if milliseconds == 0 { return "0s" }
        var rest = milliseconds.magnitude
        var out = milliseconds < 0 ? "-" : ""
        if rest % 1000 != 0 && rest > 1000 { return out + "\(rest)ms" }
        for (name, size) in Self.units where rest >= UInt64(size) {
            out += "\(rest / UInt64(size))\(name)"
            rest %= UInt64(size)
        }
        return out
    }

    /// Parses a duration; throws a sentence naming what was wrong.
    public init(parsing text: String) throws(DurationSyntaxError) {
        let chars = Array(text.trimmingSpaces())
        guard !chars.isEmpty else { throw DurationSyntaxError(text: text, reason: "expected a duration such as 30s, 10m, 1h30m") }
        var i = 0
        var total: Double = 0
        while i < chars.count {
            let numStart = i
            while i < chars.count, chars[i].isASCII, chars[i].isNumber || chars[i] == "." { i += 1 }
            guard let value = Double(String(chars[numStart..<i])), numStart < i else {
                throw DurationSyntaxError(text: text, reason: "expected a number at '\(String(chars[numStart...]))'")
            }
            let unitStart = i
            while i < chars.count, chars[i].isLetter { i += 1 }
            let unit = String(chars[unitStart..<i])
            guard let size = Self.units.first(where: { $0.0 == unit })?.1 else {
                let why = unit.isEmpty ? "a number needs a unit" : "unknown unit '\(unit)'"
                throw DurationSyntaxError(text: text, reason: "\(why); expected one of ms, s, m, h, d (e.g. 30s, 10m, 1h30m)")
            }
            total += value * Double(size)
        }
        guard total.isFinite, total < 1e15 else { throw DurationSyntaxError(text: text, reason: "too long") }
        guard total.rounded() == total else {
            throw DurationSyntaxError(text: text, reason: "finer than a millisecond")
        }
        milliseconds = Int64(total)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int64.self) {
            milliseconds = n * 1000
            return
        }
        let text = try c.decode(String.self)
        do { self = try DurationValue(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// Why a duration did not parse.
public struct DurationSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { "invalid duration \"\(text)\": \(reason)" }
}

extension String {
    func trimmingSpaces() -> Substring {
        var s = self[...]
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
