/// Every API failure's body (`Error`): `{"error": {"code", "message", "field", "details"}}`.
public struct APIErrorBody: Codable, Sendable, Equatable {
    /// One compiler diagnostic, for `invalid-flow`.
    public struct Detail: Codable, Sendable, Equatable {
        public var code: String
        public var file: String
        public var line: Int
        public var column: Int
        /// The field path inside the document; empty for the whole file.
        public var path: String
        public var message: String

        public init(code: String, file: String, line: Int, column: Int, path: String, message: String) {
            self.code = code
            self.file = file
            self.line = line
            self.column = column
            self.path = path
            self.message = message
        }
    }

    /// What went wrong: a stable code, one sentence, and the field it is about.
    public struct Failure: Codable, Sendable, Equatable {
        public var code: String
        public var message: String
        public var field: String?
        public var details: [Detail]?

        public init(code: String, message: String, field: String? = nil, details: [Detail]? = nil) {
            self.code = code
            self.message = message
            self.field = field
            self.details = details
        }
    }

    public var error: Failure

    public init(_ error: Failure) { self.error = error }
}
