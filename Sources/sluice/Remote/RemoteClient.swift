import Foundation
import SluiceAPI

/// A blocking JSON client of the sluice HTTP API, for the CLI, over plain HTTP/1.1 on POSIX sockets. Failures
/// become exit statuses: a 4xx the caller can fix is an input error (2); unreachable, 5xx, 401 and 403 are
/// server or auth errors (3).
struct RemoteClient: Sendable {
    let base: URL
    let token: String?

    func get(_ path: String, query: [String: String] = [:]) throws -> Data {
        try send(request("GET", path, query: query))
    }

    func post<Body: Encodable>(_ path: String, _ body: Body) throws -> Data {
        var r = request("POST", path)
        r.body = try WireJSON.encode(body)
        r.setHeader("Content-Type", "application/json")
        return try send(r)
    }

    func delete(_ path: String, query: [String: String] = [:]) throws -> Data {
        try send(request("DELETE", path, query: query))
    }

    /// Decodes a JSON reply as `T`; a reply of another shape is a server error.
    func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        do { return try WireJSON.decode(T.self, from: data) } catch {
            throw CLIError.server("the server at \(base.absoluteString) sent a reply this sluice does not understand: \(error)")
        }
    }

    /// A request to `path` (percent-encoded already) with `query`, carrying the token.
    func request(_ method: String, _ path: String, query: [String: String] = [:]) -> RemoteRequest {
        var r = RemoteRequest(method: method, base: base, target: RemoteRequest.target(base: base, path: path, query: query))
        r.setHeader("Accept", "application/json")
        if let token { r.setHeader("Authorization", "Bearer \(token)") }
        return r
    }

    private func send(_ request: RemoteRequest) throws -> Data {
        var body = Data()
        let status: Int
        do { status = try HTTPExchange.perform(request) { body.append($1) } } catch let failure as HTTPFailure {
            throw unreachable(failure)
        }
        try check(status, body)
        return body
    }

    func unreachable(_ error: any Error) -> CLIError {
        CLIError.server("cannot reach the server at \(base.absoluteString): \(error)")
    }

    /// Throws the error a non-2xx reply stands for, with the server's own message.
    func check(_ status: Int, _ body: Data) throws {
        guard !(200..<300).contains(status) else { return }
        let message = Self.message(body) ?? "HTTP \(status)"
        switch status {
        case 401 where token == nil:
            throw CLIError.server("\(base.absoluteString) needs a token: pass --token, set SLUICE_TOKEN or give the context a token (sluice config set-context NAME --token-file F); a server on this machine wrote one to <store>/admin.token (pass its --store)")
        case 401: throw CLIError.server("the server refused the token: \(message)")
        case 403: throw CLIError.server(message)
        case 400..<500: throw CLIError.input(message)
        default: throw CLIError.server("the server failed: \(message)")
        }
    }

    /// The `error.message` of an API error body.
    static func message(_ body: Data) -> String? {
        (try? WireJSON.decode(APIErrorBody.self, from: body))?.error.message
    }
}
