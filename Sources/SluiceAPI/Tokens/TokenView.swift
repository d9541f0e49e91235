/// One token as `sluice token list -o json` shows it: every key always present (null when unset), never the secret.
public struct TokenView: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    /// `viewer`, `operator` or `admin`.
    public var role: String
    public var created: String
    public var last_used: String?
    public var revoked: String?

    public init(id: String, name: String, role: String, created: String, last_used: String? = nil, revoked: String? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.created = created
        self.last_used = last_used
        self.revoked = revoked
    }

    enum CodingKeys: String, CodingKey {
        case id, name, role, created, last_used, revoked
    }

    /// Writes `null` for unset times, so scripts can test `.revoked == null`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(role, forKey: .role)
        try c.encode(created, forKey: .created)
        try c.encode(last_used, forKey: .last_used)
        try c.encode(revoked, forKey: .revoked)
    }
}

/// A new token, shown once (`sluice token create -o json`).
public struct TokenCreated: Codable, Sendable, Equatable {
    public var token: String

    public init(token: String) { self.token = token }
}
