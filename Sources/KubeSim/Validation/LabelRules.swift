import SluiceKube

/// Label keys and values, and the size of annotations, checked as apimachinery's ValidateLabels does.
enum LabelRules {
    static let valueMessage = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    static let nameMessage = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"

    /// `metadata.labels` (or another path) of an object.
    static func labels(_ labels: JSONObject?, path: String) -> [FieldError] {
        var errors: [FieldError] = []
        for (key, value) in labels ?? JSONObject() {
            errors += keyErrors(key).map { FieldError(kind: .invalid, field: path, value: "\"\(key)\"", detail: $0) }
            guard let text = value.stringValue else {
                errors.append(.invalid(path, value, "label values must be strings"))
                continue
            }
            if text.utf8.count > 63 { errors.append(.invalid(path, .string(text), "must be no more than 63 characters")) }
            if !text.isEmpty, !qualifiedName(text) { errors.append(.invalid(path, .string(text), valueMessage)) }
        }
        return errors
    }

    /// A qualified key: an optional DNS-subdomain prefix and `/`, then a name part of at most 63 characters.
    static func keyErrors(_ key: String) -> [String] {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var name = key
        var errors: [String] = []
        switch parts.count {
        case 1: break
        case 2:
            name = parts[1]
            if parts[0].isEmpty {
                errors.append("prefix part must be non-empty")
            } else {
                errors += NameRule.subdomain.errors(parts[0]).map { "prefix part \($0)" }
            }
        default:
            return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        }
        if name.isEmpty {
            errors.append("name part must be non-empty")
        } else {
            if name.utf8.count > 63 { errors.append("name part must be no more than 63 characters") }
            if !qualifiedName(name) { errors.append(nameMessage) }
        }
        return errors
    }

    /// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
    static func qualifiedName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        func alnum(_ b: UInt8) -> Bool { (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) }
        guard let first = bytes.first, let last = bytes.last, alnum(first), alnum(last) else { return false }
        return bytes.allSatisfy { alnum($0) || $0 == 45 || $0 == 95 || $0 == 46 }
    }

    /// Annotation keys, and their total size (at most 256 KiB).
    static func annotations(_ annotations: JSONObject?, path: String) -> [FieldError] {
        var errors: [FieldError] = []
        var total = 0
        for (key, value) in annotations ?? JSONObject() {
            errors += keyErrors(key.lowercased()).map { FieldError(kind: .invalid, field: path, value: "\"\(key)\"", detail: $0) }
            total += key.utf8.count + (value.stringValue?.utf8.count ?? 0)
        }
        if total > 262_144 {
            errors.append(FieldError(kind: .tooLong, field: path, value: nil, detail: "must have at most 262144 bytes"))
        }
        return errors
    }
}
