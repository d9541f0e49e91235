import Hummingbird

/// The request context of the API: Hummingbird's core storage plus who is asking.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who sent the request, as the identity middleware established it; nil when unknown.
    public var user: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    public var maxUploadSize: Int { APIServer.maxBodyBytes }

    /// The name recorded with approvals, signals and aborts.
    var actor: String { user ?? "anonymous" }
}

/// Establishes who is asking. For now the `X-Sluice-User` header is trusted (the server listens on loopback
/// only); bearer tokens with roles replace this middleware, in this slot, when they arrive.
struct IdentityMiddleware: RouterMiddleware {
    static let header = HeaderName("X-Sluice-User")!

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        var context = context
        if let name = request.headers[Self.header], !name.isEmpty { context.user = name }
        return try await next(request, context)
    }
}

/// A header name (Hummingbird re-exports `HTTPFields` but not `HTTPField`).
typealias HeaderName = HTTPFields.Element.Name
