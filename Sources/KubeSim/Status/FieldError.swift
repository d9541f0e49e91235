import SluiceKube

/// One field-level validation failure, worded like apimachinery's `field.Error`.
public struct FieldError: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case required = "FieldValueRequired"
        case invalid = "FieldValueInvalid"
        case notSupported = "FieldValueNotSupported"
        case forbidden = "FieldValueForbidden"
        case duplicate = "FieldValueDuplicate"
        case notFound = "FieldValueNotFound"
        case tooLong = "FieldValueTooLong"
    }

    public var kind: Kind
    public var field: String
    /// The offending value as Go's `%#v` would print it (strings quoted); nil when none is shown.
    public var value: String?
    public var detail: String

    public static func required(_ field: String, _ detail: String = "") -> FieldError {
        FieldError(kind: .required, field: field, value: nil, detail: detail)
    }

    public static func invalid(_ field: String, _ value: JSONValue?, _ detail: String) -> FieldError {
        FieldError(kind: .invalid, field: field, value: FieldError.render(value), detail: detail)
    }

    public static func notSupported(_ field: String, _ value: JSONValue?, _ supported: [String]) -> FieldError {
        let list = supported.map { "\"\($0)\"" }.joined(separator: ", ")
        return FieldError(kind: .notSupported, field: field, value: FieldError.render(value), detail: "supported values: \(list)")
    }

    public static func forbidden(_ field: String, _ detail: String) -> FieldError {
        FieldError(kind: .forbidden, field: field, value: nil, detail: detail)
    }

    public static func duplicate(_ field: String, _ value: JSONValue?) -> FieldError {
        FieldError(kind: .duplicate, field: field, value: FieldError.render(value), detail: "")
    }

    static func render(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return "null"
        case .string(let s)?: return "\"\(s)\""
        case .int(let i)?: return String(i)
        case let v?: return v.jsonText
        }
    }

    /// The text after the field path: `Required value`, `Invalid value: "x": detail`.
    public var body: String {
        var text: String
        switch kind {
        case .required: text = "Required value"
        case .forbidden: text = "Forbidden"
        case .invalid: text = "Invalid value: \(value ?? "null")"
        case .notSupported: text = "Unsupported value: \(value ?? "null")"
        case .duplicate: text = "Duplicate value: \(value ?? "null")"
        case .notFound: text = "Not found: \(value ?? "null")"
        case .tooLong: text = "Too long"
        }
        if !detail.isEmpty { text += ": \(detail)" }
        return text
    }

    /// `field: body`, as in the Invalid message.
    public var text: String { field.isEmpty ? body : "\(field): \(body)" }

    var cause: JSONObject {
        ["reason": .string(kind.rawValue), "message": .string(body), "field": .string(field)]
    }
}
