/// Names a flow, task or app, optionally at a version (`hello`, `hello@3`).
public struct Identifier: Sendable, Hashable, Codable, CustomStringConvertible {
    public var name: String
    public var version: String?

    public init(name: String, version: String? = nil) {
        self.name = name
        self.version = version
    }

    public var description: String {
        version.map { "\(name)@\($0)" } ?? name
    }
}

/// Kubernetes naming rules for names that become object names or label values.
public enum KubernetesName {
    /// Why `name` is not a DNS-1123 label (at most 63 characters of `a-z0-9-`, alphanumeric at both ends), or nil when it is one.
    public static func dns1123LabelProblem(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.utf8.count > 63 { return "must be at most 63 characters (has \(name.utf8.count))" }
        let bytes = Array(name.utf8)
        for b in bytes where !(isLowerAlnum(b) || b == UInt8(ascii: "-")) {
            return "may contain only lowercase letters, digits and '-' (found '\(Character(UnicodeScalar(b)))')"
        }
        if !isLowerAlnum(bytes.first!) || !isLowerAlnum(bytes.last!) {
            return "must start and end with a lowercase letter or digit"
        }
        return nil
    }

    private static func isLowerAlnum(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
    }
}
