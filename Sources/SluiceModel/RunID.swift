import Foundation

/// The one rule for run ids, shared by the CLI, the server and the controller, and the ids Sluice makes itself.
public enum RunID {
    /// The rule in words, for error messages.
    public static let rule = "a run id is 1-100 characters: ASCII letters, digits, '-', '_' or '.', starting with a letter or digit"

    /// The longest run id.
    public static let maxLength = 100

    /// Why `id` breaks the rule (the rule, with what is wrong), or nil when it is a valid run id.
    public static func problem(_ id: String) -> String? {
        let bytes = Array(id.utf8)
        guard let first = bytes.first else { return "\(rule); it is empty" }
        if bytes.count > maxLength { return "\(rule); '\(id.prefix(20))…' has \(bytes.count)" }
        if !isAlnum(first) { return "\(rule); '\(id)' starts with '\(id.first!)'" }
        if let bad = id.unicodeScalars.first(where: { !($0.isASCII && (isAlnum(UInt8($0.value)) || "-_.".unicodeScalars.contains($0))) }) {
            return "\(rule); '\(id)' has '\(Character(bad))'"
        }
        return nil
    }

    /// Whether `id` follows the rule.
    public static func isValid(_ id: String) -> Bool { problem(id) == nil }

    /// A new id for a run of `flow`: the flow's name (made to fit the rule), then the time in base 36 and
    /// 4 random characters, so ids sort by time and stay unique across machines.
    public static func make(flow: String, now: Date = Date()) -> String {
        var name = String(flow.unicodeScalars.prefix(30).map { s -> Character in
            s.isASCII && (isAlnum(UInt8(s.value)) || "-_.".unicodeScalars.contains(s)) ? Character(s) : "-"
        })
        if let first = name.utf8.first, isAlnum(first) {} else { name = "run" + name }
        let ms = Int64(now.timeIntervalSince1970 * 1000)
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return "\(name)-\(String(ms, radix: 36))\(random.prefix(4))"
    }

    private static func isAlnum(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
    }
}
