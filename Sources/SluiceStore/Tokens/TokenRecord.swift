import Foundation

/// One API token as stored: everything but the secret, which is never kept.
public struct TokenRecord: Hashable, Sendable {
    /// A stable id (`tok_` and 16 hex digits), safe to show and log.
    public var id: String
    /// A person's label for the token (`ci`, `admin`), unique among live tokens.
    public var name: String
    /// What the token may do.
    public var role: TokenRole
    /// When it was created.
    public var created: Date
    /// When it last authenticated a request (updated at most once a minute); nil if never.
    public var lastUsed: Date?
    /// When it was revoked; nil while it is live.
    public var revoked: Date?

    /// True until the token is revoked.
    public var isLive: Bool { revoked == nil }

    public init(id: String, name: String, role: TokenRole, created: Date, lastUsed: Date? = nil, revoked: Date? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.created = created
        self.lastUsed = lastUsed
        self.revoked = revoked
    }
}
