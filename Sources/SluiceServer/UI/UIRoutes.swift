import Hummingbird
import SluiceModel

/// The web UI: `GET /` answers the page and `GET /ui/FILE` its stylesheet and scripts, all embedded in the binary
/// (`UIAssets`, generated from `ui/` by scripts/embed-ui.sh). Public, so the sign-in page loads without a token;
/// every call the page makes goes to the token-checked API.
struct UIRoutes {
    /// One embedded file, ready to send.
    struct Asset: Sendable {
        var bytes: ByteBuffer
        var contentType: String
        /// A strong validator: the FNV-1a hash of the bytes, so a browser revalidates cheaply (304).
        var etag: String
    }

    static let assets: [String: Asset] = Dictionary(uniqueKeysWithValues: UIAssets.files.map { name, text in
        (name, Asset(bytes: ByteBuffer(string: text), contentType: contentType(name), etag: etag(text)))
    })

    /// Scripts and styles only from this server, no inline script or style, nothing framed, forms post here.
    static let contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    /// Sent with every UI answer, a 404 too.
    static let securityHeaders: HTTPFields = [
        HeaderName("Content-Security-Policy")!: contentSecurityPolicy,
        HeaderName("X-Content-Type-Options")!: "nosniff",
        HeaderName("X-Frame-Options")!: "DENY",
        HeaderName("Referrer-Policy")!: "no-referrer",
    ]

    func add(to router: Router<APIContext>) {
        router.get("/") { request, _ in Self.respond("index.html", to: request) }
        router.get("/ui/:file") { request, context in try Self.respond(context.parameters.require("file"), to: request) }
    }

    static func respond(_ name: String, to request: Request) -> Response {
        guard let asset = assets[name] else {
            var missing = APIError(.notFound, code: "no-file", "the web UI has no such file").response()
            for field in securityHeaders { missing.headers.append(field) }
            return missing
        }
        var headers: HTTPFields = [
            .contentType: asset.contentType,
            // Always revalidate: a new binary serves new files at the same names.
            .cacheControl: "no-cache",
            .eTag: asset.etag,
        ]
        headers.append(contentsOf: securityHeaders)
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == asset.etag }) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentLength] = String(asset.bytes.readableBytes)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.bytes))
    }

    static func contentType(_ name: String) -> String {
        if name.hasSuffix(".html") { return "text/html; charset=utf-8" }
        if name.hasSuffix(".css") { return "text/css; charset=utf-8" }
        if name.hasSuffix(".js") { return "text/javascript; charset=utf-8" }
        if name.hasSuffix(".svg") { return "image/svg+xml" }
        return "application/octet-stream"
    }

    static func etag(_ text: String) -> String {
        "\"" + String(FNV1a.hash(text.utf8), radix: 16) + "\""
    }
}
