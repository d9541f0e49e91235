/// Why a request about a run (submit, approve, signal, abort) was refused: a kind the CLI maps to exit 2 and
/// the API to an HTTP status, a stable code, one sentence, and the field it is about.
public struct RunActionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of refusal; the API answers 404, 422 and 409 for them.
    public enum Kind: String, Sendable, Equatable {
        case notFound, invalid, conflict
    }

    public var kind: Kind
    /// A stable token for API bodies, such as `no-run` or `wrong-type`.
    public var code: String
    public var message: String
    /// The request field the error is about (an input name, `value`, `comment`), if any.
    public var field: String?

    public init(_ kind: Kind, code: String, _ message: String, field: String? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String { message }
}
