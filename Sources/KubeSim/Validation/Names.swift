/// The name rules of apimachinery's validation package, with its exact messages.
enum NameRule {
    case subdomain, label, dns1035

    func errors(_ name: String) -> [String] {
        var errors: [String] = []
        let max = self == .subdomain ? 253 : 63
        if name.count > max { errors.append("must be no more than \(max) characters") }
        if !matches(name) { errors.append(message) }
        return errors
    }

    var message: String {
        switch self {
        case .subdomain:
            return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        case .label:
            return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
        case .dns1035:
            return "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
        }
    }

    private func matches(_ name: String) -> Bool {
        let parts = self == .subdomain ? name.split(separator: ".", omittingEmptySubsequences: false).map(String.init) : [name]
        return parts.allSatisfy { part in
            let chars = Array(part.utf8)
            guard let first = chars.first, let last = chars.last else { return false }
            let alnum: (UInt8) -> Bool = { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) }
            let alpha: (UInt8) -> Bool = { $0 >= 97 && $0 <= 122 }
            guard self == .dns1035 ? alpha(first) : alnum(first), alnum(last) else { return false }
            return chars.allSatisfy { alnum($0) || $0 == 45 }
        }
    }

    /// The field errors for `metadata.name` (or another path) under this rule.
    func fieldErrors(_ name: String, path: String = "metadata.name") -> [FieldError] {
        errors(name).map { .invalid(path, .string(name), $0) }
    }
}
