import Hummingbird
import SluiceAPI

/// `GET /api/v1/whoami` (any live token): the name and role of the token the request is made with, so the web
/// UI shows who is signed in and only the controls that role may use (the routes still check the role).
struct WhoAmIRoutes {
    func add(to router: Router<APIContext>) {
        router.get("/api/v1/whoami") { _, context in
            // TokenAuthMiddleware has set both for every route that needs a token, as this one does.
            guard let name = context.user, let role = context.role else {
                throw APIError(.unauthorized, code: "unauthorized", "this endpoint needs a token: send 'Authorization: Bearer <token>'")
            }
            return try JSONResponse.make(.ok, Caller(name: name, role: role.rawValue))
        }
    }
}
