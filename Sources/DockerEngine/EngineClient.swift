import Foundation
import SluiceKube

/// A client of the Docker Engine REST API over a unix socket, spoken with libcurl (`HTTPTransport`). The
/// same calls serve Docker Engine and Podman's Docker-compatible service; where they differ (event names,
/// label filters, image tags on import) this client hides it.
///
/// API (every call throws `EngineError`; all are safe to call from any task or thread):
/// - `version()`, `ping()`: who answers and at which API version.
/// - containers: `createContainer(name:_:)` (409 → `EngineError.isConflict`), `startContainer`,
///   `stopContainer(_:timeoutSeconds:)`, `killContainer`, `removeContainer`, `inspectContainer`,
///   `listContainers(labels:all:)`, `waitContainer`, `logs(_:follow:)` (demuxed `LogFrame`s).
/// - `events(labels:)`: one streamed connection of container events, normalised (`EngineEvent.Action`).
/// - images: `imageExists`, `pullImage(_:auth:progress:)` (auth from the Docker config file with
///   `RegistryAuth.fromDockerConfig`), `importImage(_:reference:changes:)`.
public final class EngineClient: Sendable {
    public let endpoint: EngineEndpoint
    /// Short calls; capped so a burst of creates cannot open hundreds of connections.
    let requests: HTTPTransport
    /// Long calls (logs, events, waits, pulls): their own uncapped transport so they never starve short ones.
    let streams: HTTPTransport

    public init(endpoint: EngineEndpoint) {
        self.endpoint = endpoint
        requests = HTTPTransport(maxHostConnections: 8)
        streams = HTTPTransport()
    }

    /// Sends one call and returns the response when its status is 2xx or in `accept`; else throws the
    /// engine's message.
    func call(_ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil,
              rawBody: [UInt8]? = nil, headers: [(name: String, value: String)] = [], timeout: Duration? = .seconds(60),
              accept: Set<Int> = []) async throws -> HTTPResponse {
        let request = self.request(method, path, query: query, body: body, rawBody: rawBody, headers: headers, timeout: timeout)
        let response: HTTPResponse
        do {
            response = try await (timeout == nil ? streams : requests).send(request)
        } catch {
            throw EngineError(status: nil, message: Self.reason(error, endpoint), call: "\(method) \(path)")
        }
        guard (200..<300).contains(response.status) || accept.contains(response.status) else {
            throw EngineError(status: response.status, message: Self.message(response.body), call: "\(method) \(path)")
        }
        return response
    }

    /// Opens a streamed call; throws unless its status is 2xx.
    func stream(_ method: String, _ path: String, query: [(String, String)] = [],
                headers: [(name: String, value: String)] = []) async throws -> HTTPStreamResponse {
        var request = self.request(method, path, query: query, headers: headers, timeout: nil)
        request.connectTimeout = .seconds(5)
        let response: HTTPStreamResponse
        do {
            response = try await streams.stream(request, highWater: 1 << 20)
        } catch {
            throw EngineError(status: nil, message: Self.reason(error, endpoint), call: "\(method) \(path)")
        }
        guard (200..<300).contains(response.status) else {
            var body: [UInt8] = []
            for try await chunk in response.body where body.count < 65536 { body += chunk }
            throw EngineError(status: response.status, message: Self.message(body), call: "\(method) \(path)")
        }
        return response
    }

    func request(_ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil,
                 rawBody: [UInt8]? = nil, headers: [(name: String, value: String)] = [], timeout: Duration?) -> HTTPRequest {
        var url = "http://engine" + path
        if !query.isEmpty { url += "?" + query.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&") }
        var allHeaders = headers
        var bytes = rawBody
        if let body {
            bytes = body.serialized()
            allHeaders.append(("Content-Type", "application/json"))
        }
        return HTTPRequest(method: method, url: url, headers: allHeaders, body: bytes ?? (method == "POST" ? [] : nil),
                           timeout: timeout, connectTimeout: .seconds(5), unixSocketPath: endpoint.socketPath)
    }

    /// The engine's `{"message": "..."}`, or the body as text.
    static func message(_ body: [UInt8]) -> String {
        if let v = try? JSONValue.parse(body), let m = v["message"]?.stringValue { return m }
        let text = String(decoding: body.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "no message" : text
    }

    static func reason(_ error: Error, _ endpoint: EngineEndpoint) -> String {
        if let t = error as? TransportError {
            switch t.kind {
            case .connect: return "no engine answers on \(endpoint.socketPath) (\(t.message))"
            case .timeout: return "the engine on \(endpoint.socketPath) did not answer in time"
            default: return t.message
            }
        }
        return "\(error)"
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += String(format: "%%%02X", b)
            }
        }
        return out
    }

    /// `{"label": ["k=v", ...]}` as the `filters` query value. Values are always given: Podman matches
    /// nothing for a key-only label filter.
    static func filters(_ extra: [String: [String]] = [:], labels: [String: String]) -> String {
        var f = JSONObject()
        for (k, v) in extra.sorted(by: { $0.key < $1.key }) { f[k] = .array(v.map { .string($0) }) }
        if !labels.isEmpty { f["label"] = .array(labels.sorted { $0.key < $1.key }.map { .string("\($0.key)=\($0.value)") }) }
        return JSONValue.object(f).jsonText
    }
}

/// Who answered: the engine's `/version`.
public struct EngineVersion: Sendable, Hashable {
    /// The product: "Docker Engine" or "Podman Engine" (from the components), else the platform name.
    public var product: String
    public var version: String
    public var apiVersion: String
    public var os: String
    public var isPodman: Bool { product.lowercased().contains("podman") }
}

extension EngineClient {
    /// `GET /version`. Podman answers it from its full system info (storage and container counts under
    /// their locks, `conmon`/`runc --version`), which takes many seconds on a busy engine: hence the long bound.
    public func version(timeout: Duration = .seconds(60)) async throws -> EngineVersion {
        let v = try JSONValue.parse(try await call("GET", "/version", timeout: timeout).body)
        let components = v["Components"]?.arrayValue ?? []
        let named = components.compactMap { $0["Name"]?.stringValue }
        let platform = v["Platform"]?["Name"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let product = named.first { $0.lowercased().contains("podman") } ?? platform ?? "Docker Engine"
        return EngineVersion(product: product, version: v["Version"]?.stringValue ?? "?",
                             apiVersion: v["ApiVersion"]?.stringValue ?? "?", os: v["Os"]?.stringValue ?? "?")
    }

    /// `GET /_ping`: true when the engine answers OK.
    public func ping() async -> Bool {
        (try? await pingVersion()) != nil
    }

    /// `GET /_ping` (cheap: no locks, no subprocesses), and what its headers say of the engine: `Api-Version`,
    /// and Podman's `Libpod-Api-Version`; Docker Engine sends no product version there.
    public func pingVersion(timeout: Duration = .seconds(10)) async throws -> EngineVersion {
        let r = try await call("GET", "/_ping", timeout: timeout)
        let podman = r.header("Libpod-Api-Version")
        return EngineVersion(product: podman == nil ? "Docker Engine" : "Podman Engine", version: podman ?? "?",
                             apiVersion: r.header("Api-Version") ?? "?", os: "?")
    }
}
