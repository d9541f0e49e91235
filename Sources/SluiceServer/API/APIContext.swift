import Hummingbird
import SluiceStore

/// The request context of the API: Hummingbird's core storage plus who is asking.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who sent the request: the name of its token, as `TokenAuthMiddleware` established it; nil on public routes.
    public var user: String?
    /// The role of the request's token; nil on public routes.
    public var role: TokenRole?

    /// The client's IP address (for the gateway's `X-Forwarded-For`).
    public var remoteIP: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteIP = source.channel.remoteAddress?.ipAddress
    }

    public var maxUploadSize: Int { APIServer.maxBodyBytes }

    /// The name recorded with approvals, signals and aborts.
    var actor: String { user ?? "anonymous" }
}

/// A header name (Hummingbird re-exports `HTTPFields` but not `HTTPField`).
typealias HeaderName = HTTPFields.Element.Name
