/// Run labels, checked as Kubernetes checks label keys and values: a run's labels become its pods' labels,
/// so what a cluster would refuse is refused at submit, with the key and the rule.
public enum RunLabels {
    /// Why `key: value` is not a valid label, or nil when it is.
    public static func problem(key: String, value: String) -> String? {
        var name = Substring(key)
        if let slash = key.firstIndex(of: "/") {
            let prefix = key[..<slash]
            name = key[key.index(after: slash)...]
            if prefix.isEmpty || prefix.utf8.count > 253 || !prefix.split(separator: ".", omittingEmptySubsequences: false).allSatisfy(isDNSLabel) {
                return "label key '\(printable(key))': the prefix before '/' must be a DNS subdomain (lowercase letters, digits, '-' and '.', at most 253 characters)"
            }
        }
        if name.isEmpty || name.utf8.count > 63 || !isQualifiedName(name) {
            return "label key '\(printable(key))' must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit, after an optional DNS prefix and '/'"
        }
        if value.utf8.count > 63 || (!value.isEmpty && !isQualifiedName(Substring(value))) {
            return "label '\(printable(key))': the value '\(printable(value))' must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit (or empty)"
        }
        return nil
    }

    private static func isAlphanumeric(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)
    }

    private static func isQualifiedName(_ s: Substring) -> Bool {
        let bytes = Array(s.utf8)
        guard let first = bytes.first, let last = bytes.last, isAlphanumeric(first), isAlphanumeric(last) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == 0x2d || $0 == 0x5f || $0 == 0x2e }
    }

    /// A DNS-1123 label (a namespace, a pod name): lowercase letters, digits and '-', at most 63 characters.
    public static func isDNSLabel(_ s: String) -> Bool { isDNSLabel(Substring(s)) }

    private static func isDNSLabel(_ s: Substring) -> Bool {
        let bytes = Array(s.utf8)
        guard let first = bytes.first, let last = bytes.last, bytes.count <= 63 else { return false }
        let lowerOrDigit = { (b: UInt8) in (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7a) }
        return lowerOrDigit(first) && lowerOrDigit(last) && bytes.allSatisfy { lowerOrDigit($0) || $0 == 0x2d }
    }

    /// The text with control characters shown as escapes, for messages.
    static func printable(_ s: String) -> String {
        String(s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined())
    }
}
