import Foundation
import SluiceKube
import Testing
@testable import KubeSim

/// A KubeSim on a free loopback port and an HTTP client for it (SluiceKube's libcurl transport).
struct SimHTTP {
    static let plainTransport = HTTPTransport()

    let sim: KubeSimServer
    let transport: HTTPTransport
    var headers: [(name: String, value: String)] = []

    static func start(_ configure: (inout KubeSimOptions) -> Void = { _ in }) async throws -> SimHTTP {
        var options = KubeSimOptions()
        configure(&options)
        let sim = try await KubeSim.start(options)
        var transport = plainTransport
        if let certs = sim.certificates {
            let user = options.clientCertUser ?? "kubesim-admin"
            transport = HTTPTransport(tls: TLSOptions(
                caPEM: Array(try Data(contentsOf: URL(fileURLWithPath: certs.caCertificate))),
                clientCertificatePEM: Array(try Data(contentsOf: URL(fileURLWithPath: certs.clientCertificate(user)))),
                clientKeyPEM: Array(try Data(contentsOf: URL(fileURLWithPath: certs.clientKey(user))))))
        }
        return SimHTTP(sim: sim, transport: transport)
    }

    struct Reply {
        let status: Int
        let body: JSONValue
        let head: HTTPHead
        var reason: String? { body["reason"]?.stringValue }
        var message: String? { body["message"]?.stringValue }
        var names: [String] { (body["items"]?.arrayValue ?? []).compactMap { $0["metadata"]?["name"]?.stringValue } }
        /// A header value, case-insensitive and without line ends.
        func header(_ name: String) -> String? {
            head.headers.last { $0.name.lowercased() == name.lowercased() }?.value
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    @discardableResult
    func call(_ method: String, _ path: String, _ body: JSONValue? = nil, contentType: String = "application/json",
              extraHeaders: [(name: String, value: String)] = []) async throws -> Reply {
        var h = headers + extraHeaders
        if body != nil { h.append((name: "Content-Type", value: contentType)) }
        let response = try await transport.send(HTTPRequest(method: method, url: sim.baseURL + path, headers: h, body: body?.serialized()))
        let parsed = (try? JSONValue.parse(response.body)) ?? .string(String(decoding: response.body, as: UTF8.self))
        return Reply(status: response.status, body: parsed, head: response.head)
    }

    @discardableResult
    func get(_ path: String) async throws -> Reply { try await call("GET", path) }
    @discardableResult
    func post(_ path: String, _ body: JSONValue) async throws -> Reply { try await call("POST", path, body) }
    @discardableResult
    func put(_ path: String, _ body: JSONValue) async throws -> Reply { try await call("PUT", path, body) }
    @discardableResult
    func delete(_ path: String) async throws -> Reply { try await call("DELETE", path) }

    /// Opens a watch and returns once the server has registered it (or answered), so that writes made
    /// afterwards are certainly seen by it.
    func watch(_ path: String) async throws -> WatchLines {
        let before = sim.store.watchCount
        let request = HTTPRequest(method: "GET", url: sim.baseURL + path, headers: headers, timeout: nil)
        let transport = self.transport
        let opening = Task { try await transport.stream(request) }
        let lines = WatchLines(opening: opening)
        // Waits for the registration, not a fixed time; the minute only keeps a broken server from hanging the test.
        let registered = await KubeletWait.until(seconds: 180) { sim.store.watchCount > before || lines.opened }
        #expect(registered, "the server never registered the watch \(path)")
        return lines
    }

    func stop() async { await sim.stop() }

    static func pod(_ name: String, labels: [String: String] = [:], namespace: String? = nil) -> JSONValue {
        var meta: JSONObject = ["name": .string(name)]
        if let namespace { meta["namespace"] = .string(namespace) }
        if !labels.isEmpty {
            var l = JSONObject()
            for (k, v) in labels.sorted(by: { $0.key < $1.key }) { l[k] = .string(v) }
            meta["labels"] = .object(l)
        }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": .object(meta),
                "spec": ["containers": [["name": "main", "image": "busybox:1.36"]]]]
    }

    static func deployment(_ name: String, restartPolicy: String = "Always", templateLabels: [String: String] = ["app": "web"]) -> JSONValue {
        var labels = JSONObject()
        for (k, v) in templateLabels { labels[k] = .string(v) }
        return ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": .string(name)],
                "spec": ["replicas": 2, "selector": ["matchLabels": ["app": "web"]],
                         "template": ["metadata": ["labels": .object(labels)],
                                      "spec": ["restartPolicy": .string(restartPolicy), "containers": [["name": "web", "image": "nginx:1.27"]]]]]]
    }
}

/// The events of one watch response, one JSON value per line.
final class WatchLines: @unchecked Sendable {
    let opening: Task<HTTPStreamResponse, Error>
    var response: HTTPStreamResponse?
    var iterator: HTTPBodyStream.AsyncIterator?
    var buffer: [UInt8] = []
    private let lock = NSLock()
    private var openedFlag = false

    init(opening: Task<HTTPStreamResponse, Error>) {
        self.opening = opening
        Task { [weak self] in
            _ = try? await opening.value
            self?.lock.withLock { self?.openedFlag = true }
        }
    }

    var opened: Bool { lock.withLock { openedFlag } }

    func open() async throws -> HTTPStreamResponse {
        if let response { return response }
        let r = try await opening.value
        response = r
        iterator = r.body.makeAsyncIterator()
        return r
    }

    var status: Int {
        get async throws { try await open().status }
    }

    /// The next event; nil when the stream ended cleanly. Throws when the connection broke.
    func next() async throws -> JSONValue? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return try JSONValue.parse(line)
            }
            _ = try await open()
            guard let chunk = try await iterator!.next() else { return nil }
            buffer += chunk
        }
    }

    /// The next `count` events as `TYPE name` strings (bookmarks as `BOOKMARK rv`).
    func take(_ count: Int) async throws -> [String] {
        var out: [String] = []
        while out.count < count, let event = try await next() {
            out.append(Self.describe(event))
        }
        return out
    }

    /// Events until one matches, or the stream ends.
    func until(_ wanted: String) async throws -> [String] {
        var out: [String] = []
        while let event = try await next() {
            out.append(Self.describe(event))
            if out.last == wanted { break }
        }
        return out
    }

    static func describe(_ event: JSONValue) -> String {
        let type = event["type"]?.stringValue ?? "?"
        let meta = event["object"]?["metadata"]
        if type == "BOOKMARK" { return "BOOKMARK" }
        if type == "ERROR" { return "ERROR \(event["object"]?["code"]?.intValue ?? 0)" }
        return "\(type) \(meta?["name"]?.stringValue ?? "")"
    }

    func cancel() {
        if let response { response.cancel() } else { opening.cancel() }
    }
}
