import Hummingbird
import NIOCore
import NIOSSL

/// Who is calling: the token's or client certificate's user.
public struct SimUser: Sendable, Hashable {
    public var name: String
    public var groups: [String]

    public init(name: String, groups: [String] = []) {
        self.name = name
        self.groups = groups
    }

    /// The caller when no authentication is configured: allowed everything.
    public static let anonymousAdmin = SimUser(name: "system:admin", groups: ["system:masters"])
}

/// Authentication (bearer tokens, client certificates) and authorization (read-only users).
struct AccessPolicy: Sendable {
    /// token -> user
    var tokens: [String: String]
    var readonlyUsers: Set<String>
    /// With TLS the peer certificate (signed by our CA) authenticates too.
    var clientCertificates: Bool

    /// Whether callers must authenticate (otherwise everyone is the anonymous admin).
    var required: Bool { !tokens.isEmpty || clientCertificates }

    func authenticate(_ request: Request, _ context: SimRequestContext) async throws -> SimUser {
        guard required else { return .anonymousAdmin }
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer", let user = tokens[String(parts[1])] {
                return SimUser(name: user)
            }
            throw SimStatusError.unauthorized()
        }
        if clientCertificates, let certificate = try? await context.channel.nioSSL_peerCertificate().get(),
           let der = try? certificate.toDERBytes(), let subject = CertificateSubject(der: der), let cn = subject.commonName {
            return SimUser(name: cn, groups: subject.organizations)
        }
        throw SimStatusError.unauthorized()
    }

    /// Whether `user` may `verb` anything: read-only users only get, list and watch.
    func allows(_ user: SimUser, verb: String) -> Bool {
        !readonlyUsers.contains(user.name) || ["get", "list", "watch"].contains(verb)
    }

    func authorize(_ user: SimUser, verb: String, target: ResourcePath) throws(SimStatusError) {
        guard !allows(user, verb: verb) else { return }
        // The API server's request info puts a namespace's own name in the namespace attribute.
        let namespace = target.type == .namespaces ? target.name : target.namespace
        throw .forbidden(user: user.name, verb: verb, type: target.type, subresource: target.subresource, namespace: namespace, name: target.name)
    }
}
