import Foundation
import Hummingbird
import SluiceStore

/// Authenticates `Authorization: Bearer <token>` against the store's tokens and checks the token's role
/// against `RouteRoles`: 401 without a live token, 403 when its role is too low. The token's name is who acts.
struct TokenAuthMiddleware: RouterMiddleware {
    let store: Store

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard let required = RouteRoles.required(request.method, path: path) else { return try await next(request, context) }
        guard let secret = Self.bearer(request.headers[.authorization]) else {
            return Self.unauthorized("this endpoint needs a token: send 'Authorization: Bearer <token>' (create one with sluice token create)")
        }
        guard let token = try await AsyncStore(store).run({ try $0.authenticate(secret: secret) }) else {
            return Self.unauthorized("the token is unknown or revoked")
        }
        guard token.role.allows(required) else {
            return APIError(.forbidden, code: "forbidden",
                            "token '\(token.name)' has role \(token.role.rawValue); \(request.method) \(path) needs \(required.rawValue)").response()
        }
        var context = context
        context.user = token.name
        context.role = token.role
        return try await next(request, context)
    }

    /// The secret of a `Bearer` authorization header; nil when absent or of another scheme.
    static func bearer(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let secret = parts[1].trimmingCharacters(in: .whitespaces)
        return secret.isEmpty ? nil : secret
    }

    static func unauthorized(_ message: String) -> Response {
        var response = APIError(.unauthorized, code: "unauthorized", message).response()
        response.headers[.wwwAuthenticate] = "Bearer"
        return response
    }
}
