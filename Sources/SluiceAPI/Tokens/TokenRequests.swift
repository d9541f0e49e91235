/// `POST /api/v1/tokens`: a new token's name and role.
public struct CreateToken: Codable, Sendable, Equatable {
    public var name: String
    /// `viewer`, `operator` or `admin`.
    public var role: String

    public init(name: String, role: String) {
        self.name = name
        self.role = role
    }
}

/// The reply to `POST /api/v1/tokens`: the secret (shown this once) and the token as `GET /api/v1/tokens` lists it.
public struct TokenIssued: Codable, Sendable, Equatable {
    public var token: String
    public var id: String
    public var name: String
    public var role: String
    public var created: String

    public init(token: String, id: String, name: String, role: String, created: String) {
        self.token = token
        self.id = id
        self.name = name
        self.role = role
        self.created = created
    }
}

/// The reply to `GET /api/v1/tokens`: every token, live and revoked, oldest first, never a secret.
public struct TokenList: Codable, Sendable, Equatable {
    public var tokens: [TokenView]

    public init(tokens: [TokenView]) { self.tokens = tokens }
}

/// What a token name may be, checked alike by `sluice token create` and `POST /api/v1/tokens`: names are what
/// people type to revoke, so no spaces, and nothing shaped like a token id.
public enum TokenNameRule {
    /// Why `name` cannot name a token, or nil when it can.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty || name.count > 64 { return "must be 1 to 64 characters" }
        if name.contains(where: { $0.isWhitespace || $0.isNewline }) { return "must not contain spaces" }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }) {
            return "must not contain control characters"
        }
        if name.hasPrefix("tok_") { return "must not start with 'tok_' (token ids do)" }
        return nil
    }
}
