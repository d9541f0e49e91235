import SluiceModel

/// Reads values given on a command line or in JSON against their declared types.
public enum TypedValues {
    /// Parses `text` as a value of `type`: text types take it as is, others read it as JSON.
    public static func parse(_ text: String, as type: LiteralType) -> Result<LiteralValue, TypedValueError> {
        let raw: LiteralValue
        switch type.unwrapped {
        case .string, .blob, .datetime, .duration, .enumeration:
            raw = (type.isOptional && text == "null") ? .none : .string(text)
        default:
            guard let v = ValueCoding.parse(text) else {
                return .failure(TypedValueError(message: "expected \(type) but '\(text)' is not valid JSON"))
            }
            raw = v
        }
        return coerce(raw, to: type)
    }

    /// Gives an untyped value its declared type.
    public static func coerce(_ value: LiteralValue, to type: LiteralType) -> Result<LiteralValue, TypedValueError> {
        ValueCoding.coerce(value, to: type).mapError { TypedValueError(message: "expected \(type) but \($0.description)") }
    }

    /// Canonical JSON text of a value.
    public static func json(_ value: LiteralValue) -> String { ValueCoding.json(value) }
}

/// Why a value does not fit its type, as one sentence.
public struct TypedValueError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
