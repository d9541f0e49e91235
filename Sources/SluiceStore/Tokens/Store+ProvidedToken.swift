import Foundation

/// What `Store.ensureToken(name:role:secret:)` did.
public enum ProvidedTokenOutcome: String, Sendable, Equatable {
    /// A live token already has this secret: nothing was written.
    case unchanged
    /// No live token had this name: it was created.
    case created
    /// A live token with this name had another secret (it was rotated): it was revoked and the new one created.
    case replaced
}

extension Store {
    /// Makes `secret`, chosen outside the store (a Kubernetes Secret mounted as a file), a live token named
    /// `name` with `role`. Idempotent, so a server can call it on every start: a live token with this secret
    /// leaves everything as it is; a live token with this name but another secret is revoked and replaced in
    /// the same transaction, so rotating the Secret rotates the token. Only the secret's digest is stored.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func ensureToken(name: String, role: TokenRole, secret: String, now: Date = Date()) throws(StoreError) -> ProvidedTokenOutcome {
        let digest = TokenSecret.digest(secret)
        return try write { connection throws(StoreError) -> ProvidedTokenOutcome in
            let same = try connection.queryOne(
                "SELECT 1 FROM tokens WHERE hash = ? AND revoked IS NULL", [.text(digest)]) { $0.int64(0) }
            if same != nil { return .unchanged }
            let previous = try connection.queryOne(
                "SELECT id FROM tokens WHERE name = ? AND revoked IS NULL", [.text(name)]) { $0.text(0) }
            if let previous {
                try connection.run("UPDATE tokens SET revoked = ? WHERE id = ?", [SQLValue(now), .text(previous)])
            }
            try connection.run(
                "INSERT INTO tokens(id, name, role, hash, created) VALUES (?, ?, ?, ?, ?)",
                [.text(TokenSecret.newID()), .text(name), .text(role.rawValue), .text(digest), SQLValue(now)])
            return previous == nil ? .created : .replaced
        }
    }
}
