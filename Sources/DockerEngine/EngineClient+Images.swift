import Foundation
import SluiceKube

/// Registry credentials for a pull, sent as the `X-Registry-Auth` header.
public struct RegistryAuth: Sendable, Hashable {
    public var username: String?
    public var password: String?
    public var identityToken: String?
    public var serverAddress: String

    public init(username: String? = nil, password: String? = nil, identityToken: String? = nil, serverAddress: String) {
        self.username = username
        self.password = password
        self.identityToken = identityToken
        self.serverAddress = serverAddress
    }

    /// The header value: the JSON credentials, base64url.
    public var header: String {
        var o = JSONObject()
        if let username { o["username"] = .string(username) }
        if let password { o["password"] = .string(password) }
        if let identityToken { o["identitytoken"] = .string(identityToken) }
        o["serveraddress"] = .string(serverAddress)
        return Data(JSONValue.object(o).serialized()).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    /// The registry an image reference lives in: its first part when that looks like a host, else Docker Hub.
    public static func registry(of image: String) -> String {
        let first = image.split(separator: "/", maxSplits: 1).first.map(String.init) ?? image
        guard image.contains("/"), first.contains(".") || first.contains(":") || first == "localhost" else { return "docker.io" }
        return first
    }

    /// The credentials for `image` from the Docker config file (`$DOCKER_CONFIG/config.json`, else
    /// `~/.docker/config.json`), `auths` entries only; nil when there are none (an anonymous pull).
    /// Credential helpers (`credsStore`, `credHelpers`) are not run.
    public static func fromDockerConfig(image: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> RegistryAuth? {
        let dir = environment["DOCKER_CONFIG"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.docker")
        guard let data = FileManager.default.contents(atPath: dir + "/config.json"),
              let config = try? JSONValue.parse(Array(data)), let auths = config["auths"]?.objectValue else { return nil }
        let registry = registry(of: image)
        let keys = registry == "docker.io"
            ? ["https://index.docker.io/v1/", "index.docker.io", "docker.io", "https://docker.io"]
            : [registry, "https://\(registry)", "http://\(registry)", "https://\(registry)/v1/", "https://\(registry)/v2/"]
        guard let entry = keys.lazy.compactMap({ auths[$0] }).first else { return nil }
        var auth = RegistryAuth(serverAddress: registry == "docker.io" ? "https://index.docker.io/v1/" : registry)
        if let encoded = entry["auth"]?.stringValue, let decoded = Data(base64Encoded: encoded),
           let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":") {
            auth.username = String(text[..<colon])
            auth.password = String(text[text.index(after: colon)...])
        }
        auth.identityToken = entry["identitytoken"]?.stringValue
        return auth.username == nil && auth.identityToken == nil ? nil : auth
    }
}

extension EngineClient {
    /// Whether the engine has `image` locally.
    public func imageExists(_ image: String) async throws -> Bool {
        let r = try await call("GET", "/images/\(EngineClient.escape(image))/json", accept: [404])
        return r.status != 404
    }

    /// The user `image` runs as (its config's `User`, empty for root), or nil when the engine lacks it.
    public func imageUser(_ image: String) async throws -> String? {
        let r = try await call("GET", "/images/\(EngineClient.escape(image))/json", accept: [404])
        if r.status == 404 { return nil }
        return try JSONValue.parse(r.body)["Config"]?["User"]?.stringValue ?? ""
    }

    /// Pulls `image` (a tag defaults to `latest`), reporting each progress line; throws with the engine's
    /// message when the pull fails, whether the engine says so in the status or inside the stream.
    public func pullImage(_ image: String, auth: RegistryAuth?, progress: @Sendable (String) -> Void = { _ in }) async throws {
        var query = [("fromImage", image)]
        let lastPart = image.split(separator: "/").last ?? ""
        if !lastPart.contains(":"), !image.contains("@") { query.append(("tag", "latest")) }
        let headers = auth.map { [(name: "X-Registry-Auth", value: $0.header)] } ?? []
        let response = try await stream("POST", "/images/create", query: query, headers: headers)
        var splitter = JSONStreamSplitter()
        var lastError: String?
        do {
            for try await chunk in response.body {
                let values = try chunk.withUnsafeBytes { buffer throws(JSONError) in try splitter.append(buffer) }
                for bytes in values {
                    guard let v = try? JSONValue.parse(bytes) else { continue }
                    if let e = v["error"]?.stringValue ?? v["errorDetail"]?["message"]?.stringValue {
                        lastError = e
                    } else if let status = v["status"]?.stringValue ?? v["stream"]?.stringValue {
                        let id = v["id"]?.stringValue.map { "\($0): " } ?? ""
                        let detail = v["progress"]?.stringValue.map { " \($0)" } ?? ""
                        progress(id + status.trimmingCharacters(in: CharacterSet.whitespacesAndNewlines) + detail)
                    }
                }
            }
        } catch {
            throw EngineError(status: nil, message: "\(error)", call: "POST /images/create")
        }
        if let lastError { throw EngineError(status: 500, message: lastError, call: "POST /images/create") }
    }

    /// Imports a root file system (an uncompressed tar) as the image `reference` (`name:tag`), with
    /// Dockerfile `changes` such as `CMD ["/bin/sh"]`. The tag goes inside `repo` (`repo=name:tag`):
    /// Podman ignores a separate `tag` parameter, Docker accepts both forms.
    public func importImage(_ tar: [UInt8], reference: String, changes: [String] = []) async throws {
        var query = [("fromSrc", "-"), ("repo", reference)]
        for c in changes { query.append(("changes", c)) }
        let r = try await call("POST", "/images/create", query: query, rawBody: tar,
                               headers: [("Content-Type", "application/x-tar")], timeout: .seconds(600))
        let text = String(decoding: r.body, as: UTF8.self)
        if let range = text.range(of: "\"error\"") {
            throw EngineError(status: r.status, message: String(text[range.lowerBound...].prefix(300)), call: "POST /images/create")
        }
    }

    /// Removes an image (tests); false when there was none.
    @discardableResult
    public func removeImage(_ image: String, force: Bool = false) async throws -> Bool {
        let r = try await call("DELETE", "/images/\(EngineClient.escape(image))", query: [("force", force ? "1" : "0")], accept: [404])
        return r.status != 404
    }
}
