import Foundation
import Hummingbird
import SluiceAPI
import SluiceStore

/// `/api/v1/tokens` (admin): create a token (its secret shown once), list tokens without secrets, revoke one.
struct TokenRoutes {
    let store: Store
    var db: AsyncStore { AsyncStore(store) }

    func add(to router: Router<APIContext>) {
        router.post("/api/v1/tokens") { request, _ in try await create(request) }
        router.get("/api/v1/tokens") { _, _ in try await list() }
        router.delete("/api/v1/tokens/:token") { _, context in
            let raw = try context.parameters.require("token")
            return try await revoke(raw.removingPercentEncoding ?? raw, by: context.user)
        }
    }

    func create(_ request: Request) async throws -> Response {
        let body = try await JSONBody.decode(CreateToken.self, from: request)
        guard let role = TokenRole(rawValue: body.role) else {
            let roles = TokenRole.allCases.map(\.rawValue).joined(separator: ", ")
            throw APIError(.unprocessableContent, code: "invalid-field", "unknown role '\(body.role)'; expected one of \(roles)", field: "role")
        }
        if let problem = TokenNameRule.problem(body.name) {
            throw APIError(.unprocessableContent, code: "invalid-field", "the name '\(body.name)' \(problem)", field: "name")
        }
        let name = body.name
        let created: (record: TokenRecord, secret: String)? = try await db.run { store -> (record: TokenRecord, secret: String)? in
            if try store.tokens().contains(where: { $0.isLive && $0.name == name }) { return nil }
            do {
                return try store.createToken(name: name, role: role)
            } catch {
                // SQLITE_CONSTRAINT_UNIQUE: another process made a live token of that name meanwhile.
                if case StoreError.sqlite(_, 2067, _)? = error as? StoreError { return nil }
                throw error
            }
        }
        guard let created else { throw Self.taken(name) }
        let r = created.record
        return try JSONResponse.make(.created, TokenIssued(token: created.secret, id: r.id, name: r.name, role: r.role.rawValue, created: Time.iso(r.created)))
    }

    func list() async throws -> Response {
        try JSONResponse.make(.ok, TokenList(tokens: try await db.run { try $0.tokens() }.map(Self.view)))
    }

    /// Revokes the live token `idOrName` names, unless it is the one the request is made with (`user`): an admin
    /// revoking its own token would lock itself out, and the last admin out of the API.
    func revoke(_ idOrName: String, by user: String?) async throws -> Response {
        let outcome: Revocation = try await db.run { store in
            let live = try store.tokens().filter(\.isLive)
            guard let target = live.first(where: { $0.id == idOrName }) ?? live.first(where: { $0.name == idOrName }) else { return .none }
            if target.name == user { return .inUse(target) }
            return try store.revokeToken(idOrName: target.id).map(Revocation.revoked) ?? .none
        }
        switch outcome {
        case .revoked(let record): return try JSONResponse.make(.ok, Self.view(record))
        case .inUse(let record):
            throw APIError(.conflict, code: "token-in-use",
                           "token '\(record.name)' is the one this request is made with; revoke it with another admin token, or with sluice token revoke on the server's store")
        case .none:
            throw APIError(.notFound, code: "no-token", "no live token with id or name '\(idOrName)'; GET /api/v1/tokens lists them")
        }
    }

    private enum Revocation: Sendable {
        case revoked(TokenRecord), inUse(TokenRecord), none
    }

    static func taken(_ name: String) -> APIError {
        APIError(.conflict, code: "token-exists",
                 "a token named '\(name)' already exists; revoke it first (sluice token revoke \(name)) or choose another name", field: "name")
    }

    /// A stored token on the wire: times in ISO 8601, never the secret.
    static func view(_ t: TokenRecord) -> TokenView {
        TokenView(id: t.id, name: t.name, role: t.role.rawValue, created: Time.iso(t.created),
                  last_used: t.lastUsed.map(Time.iso), revoked: t.revoked.map(Time.iso))
    }
}
