import Hummingbird
import SluiceStore

/// The minimum role of every API route, in one table: a new route gets its role by adding one line here.
/// A route missing from the table needs `admin`; a route whose role is nil needs no token at all.
enum RouteRoles {
    /// One row: a method, a path pattern (`:name` matches one segment) and the role it needs.
    struct Rule: Sendable {
        var method: HTTPRequest.Method
        var segments: [Substring]
        var role: TokenRole?

        init(_ method: HTTPRequest.Method, _ pattern: String, _ role: TokenRole?) {
            self.method = method
            segments = pattern.split(separator: "/")
            self.role = role
        }

        func matches(_ method: HTTPRequest.Method, _ path: [Substring]) -> Bool {
            guard method == self.method, path.count == segments.count else { return false }
            return zip(segments, path).allSatisfy { pattern, segment in pattern.hasPrefix(":") || pattern == segment }
        }
    }

    static let table: [Rule] = [
        Rule(.get, "/healthz", nil),
        Rule(.get, "/readyz", nil),
        Rule(.get, "/api/openapi.yaml", nil),
        // The web UI's page and files: public, so the sign-in page loads; every call it makes needs a token.
        Rule(.get, "/", nil),
        Rule(.get, "/ui/:file", nil),
        Rule(.get, "/api/v1/whoami", .viewer),
        Rule(.get, "/api/v1/events/stream", .viewer),
        Rule(.get, "/metrics", .viewer),
        Rule(.get, "/api/v1/runs", .viewer),
        Rule(.post, "/api/v1/runs", .operator),
        Rule(.get, "/api/v1/runs/:id", .viewer),
        Rule(.get, "/api/v1/runs/:id/events", .viewer),
        Rule(.get, "/api/v1/runs/:id/events/stream", .viewer),
        Rule(.get, "/api/v1/runs/:id/gates", .viewer),
        Rule(.get, "/api/v1/runs/:id/nodes/:node/logs", .viewer),
        Rule(.get, "/api/v1/runs/:id/nodes/:node/attempts/:attempt", .viewer),
        Rule(.post, "/api/v1/runs/:id/abort", .operator),
        Rule(.post, "/api/v1/runs/:id/retry", .operator),
        Rule(.delete, "/api/v1/runs/:id", .operator),
        Rule(.post, "/api/v1/prune", .admin),
        Rule(.post, "/api/v1/runs/:id/nodes/:node/approve", .operator),
        Rule(.post, "/api/v1/runs/:id/nodes/:node/reject", .operator),
        Rule(.post, "/api/v1/runs/:id/signals/:signal", .operator),
        Rule(.get, "/api/v1/flows", .viewer),
        Rule(.get, "/api/v1/flows/:name", .viewer),
        Rule(.get, "/api/v1/flows/:name/versions/:version", .viewer),
        Rule(.post, "/api/v1/flows", .admin),
        Rule(.get, "/api/v1/tokens", .admin),
        Rule(.post, "/api/v1/tokens", .admin),
        Rule(.delete, "/api/v1/tokens/:token", .admin),
        Rule(.get, "/api/v1/apps", .viewer),
        Rule(.post, "/api/v1/apps", .operator),
        Rule(.get, "/api/v1/apps/:name", .viewer),
        Rule(.delete, "/api/v1/apps/:name", .operator),
        Rule(.get, "/api/v1/apps/:name/logs", .viewer),
        Rule(.post, "/api/v1/apps/:name/scale", .operator),
        Rule(.post, "/api/v1/apps/:name/stop", .operator),
        Rule(.post, "/api/v1/apps/:name/start", .operator),
        // Authenticated by the attempt's own callback token (CallbackRoutes), not a user token.
        Rule(.post, "/api/v1/callbacks/:run/:node/:attempt", nil),
    ]

    /// The role a request needs: nil for a public route, `admin` for a route the table does not know.
    static func required(_ method: HTTPRequest.Method, path: String) -> TokenRole? {
        let lookup: HTTPRequest.Method = method == .head ? .get : method
        let segments = path.split(separator: "/")
        guard let rule = table.first(where: { $0.matches(lookup, segments) }) else { return .admin }
        return rule.role
    }
}
