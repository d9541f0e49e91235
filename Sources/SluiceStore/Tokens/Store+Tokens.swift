import Foundation

extension Store {
    /// Creates a live token and returns its record and its secret. The secret is shown this
    /// once: only its SHA-256 is stored. A live token with the same name makes this fail with
    /// `StoreError.sqlite` (a UNIQUE constraint on live names); check `tokens()` first for a
    /// friendlier message.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func createToken(name: String, role: TokenRole, now: Date = Date()) throws(StoreError) -> (record: TokenRecord, secret: String) {
        try write { connection throws(StoreError) in try insertToken(name: name, role: role, now: now, connection) }
    }

    /// Every token, live and revoked, oldest first. Never includes secrets or their digests.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func tokens() throws(StoreError) -> [TokenRecord] {
        try withConnection { connection throws(StoreError) in
            try connection.query("SELECT \(Self.tokenColumns) FROM tokens ORDER BY created, id", [], row: tokenRecord)
        }
    }

    /// Revokes the live token whose id or name is `idOrName` (an id wins over a name) and
    /// returns it as revoked; nil if no live token matches. A revoked token never
    /// authenticates again, and its name is free for a new token.
    @discardableResult
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func revokeToken(idOrName: String, now: Date = Date()) throws(StoreError) -> TokenRecord? {
        try write { connection throws(StoreError) in
            let sql = "SELECT \(Self.tokenColumns) FROM tokens WHERE revoked IS NULL AND "
            var found = try connection.queryOne(sql + "id = ?", [.text(idOrName)], row: tokenRecord)
            if found == nil { found = try connection.queryOne(sql + "name = ?", [.text(idOrName)], row: tokenRecord) }
            guard var record = found else { return nil }
            try connection.run("UPDATE tokens SET revoked = ? WHERE id = ?", [SQLValue(now), .text(record.id)])
            record.revoked = Date(millisecondsSince1970: now.millisecondsSince1970)
            return record
        }
    }

    /// The live token whose secret this is, or nil (unknown, revoked, malformed). Looks the
    /// token up by the secret's digest, then compares the digests again in constant time.
    /// Records `last_used`, writing at most once a minute per token.
    @available(*, noasync, message: "blocks its thread on SQLite; from async code call it through AsyncStore, which runs it on a store thread")
    public func authenticate(secret: String, now: Date = Date()) throws(StoreError) -> TokenRecord? {
        let digest = TokenSecret.digest(secret)
        let found = try withConnection { connection throws(StoreError) in
            try connection.queryOne(
                "SELECT \(Self.tokenColumns), hash FROM tokens WHERE hash = ? AND revoked IS NULL", [.text(digest)]
            ) { row throws(StoreError) in (try tokenRecord(row), row.text(6)) }
        }
        guard let (found, stored) = found, TokenSecret.digestsEqual(stored, digest) else { return nil }
        var record = found
        if let last = record.lastUsed, now.timeIntervalSince(last) < Self.lastUsedResolution { return record }
        let threshold = now.millisecondsSince1970 - Int64(Self.lastUsedResolution * 1000)
        do {
            _ = try write { connection throws(StoreError) in
                // Another process may have just touched it: the condition keeps it to one write a minute.
                try connection.run(
                    "UPDATE tokens SET last_used = ?1 WHERE id = ?2 AND (last_used IS NULL OR last_used <= ?3)",
                    [SQLValue(now), .text(record.id), .integer(threshold)])
            }
        } catch {
            // Bookkeeping only: a full or read-only disk must not turn every authenticated read into a failure.
            // The failure shows in `writeHealth` (readiness, metrics).
            return record
        }
        record.lastUsed = Date(millisecondsSince1970: now.millisecondsSince1970)
        return record
    }

    // MARK: Shared with the admin token

    /// How stale `last_used` may get: writing on every request would make reads writes.
    static let lastUsedResolution: TimeInterval = 60

    static let tokenColumns = "id, name, role, created, last_used, revoked"

    func insertToken(name: String, role: TokenRole, now: Date, _ connection: Connection) throws(StoreError) -> (record: TokenRecord, secret: String) {
        let secret = TokenSecret.generate()
        let record = TokenRecord(
            id: TokenSecret.newID(), name: name, role: role, created: Date(millisecondsSince1970: now.millisecondsSince1970))
        try connection.run(
            "INSERT INTO tokens(id, name, role, hash, created) VALUES (?, ?, ?, ?, ?)",
            [.text(record.id), .text(name), .text(role.rawValue), .text(TokenSecret.digest(secret)), SQLValue(now)])
        return (record, secret)
    }

    func tokenRecord(_ row: Statement) throws(StoreError) -> TokenRecord {
        let roleText = row.text(2)
        guard let role = TokenRole(rawValue: roleText) else {
            throw .badValue(what: "the role of token \(row.text(0))", path: path, reason: "unknown role '\(roleText)'")
        }
        return TokenRecord(
            id: row.text(0), name: row.text(1), role: role, created: row.date(3),
            lastUsed: row.dateOrNil(4), revoked: row.dateOrNil(5))
    }
}
