import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A blocking JSON client of the sluice HTTP API, for the CLI. Failures become exit statuses: a 4xx the
/// caller can fix is an input error (2); unreachable, 5xx, 401 and 403 are server or auth errors (3).
struct RemoteClient: Sendable {
    let base: URL
    let token: String?

    func get(_ path: String, query: [String: String] = [:]) throws -> Data {
        try send(request("GET", path, query: query))
    }

    func post<Body: Encodable>(_ path: String, _ body: Body) throws -> Data {
        var r = request("POST", path)
        r.httpBody = try JSONEncoder().encode(body)
        r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        return try send(r)
    }

    /// Decodes a JSON reply as `T`; a reply of another shape is a server error.
    func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: data) } catch {
            throw CLIError.server("the server at \(base.absoluteString) sent a reply this sluice does not understand: \(error)")
        }
    }

    func request(_ method: String, _ path: String, query: [String: String] = [:]) -> URLRequest {
        var components = URLComponents(url: base.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { components.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) } }
        var r = URLRequest(url: components.url!)
        r.httpMethod = method
        r.timeoutInterval = 60
        if let token { r.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        return r
    }

    private func send(_ request: URLRequest) throws -> Data {
        let reply = Reply()
        URLSession.shared.dataTask(with: request) { data, response, error in
            reply.set(data, (response as? HTTPURLResponse)?.statusCode, error)
        }.resume()
        let (data, status, error) = reply.wait()
        if let error { throw unreachable(error) }
        guard let status else { throw CLIError.server("no HTTP reply from \(base.absoluteString)") }
        try check(status, data ?? Data())
        return data ?? Data()
    }

    func unreachable(_ error: any Error) -> CLIError {
        CLIError.server("cannot reach the server at \(base.absoluteString): \((error as NSError).localizedDescription)")
    }

    /// Throws the error a non-2xx reply stands for, with the server's own message.
    func check(_ status: Int, _ body: Data) throws {
        guard !(200..<300).contains(status) else { return }
        let message = Self.message(body) ?? "HTTP \(status)"
        switch status {
        case 401 where token == nil:
            throw CLIError.server("\(base.absoluteString) needs a token: pass --token or set SLUICE_TOKEN (a server on this machine wrote one to <store>/admin.token; pass its --store)")
        case 401: throw CLIError.server("the server refused the token: \(message)")
        case 403: throw CLIError.server(message)
        case 400..<500: throw CLIError.input(message)
        default: throw CLIError.server("the server failed: \(message)")
        }
    }

    /// The `error.message` of an API error body.
    static func message(_ body: Data) -> String? {
        struct Failure: Decodable {
            struct Inner: Decodable { var message: String }
            var error: Inner
        }
        return (try? JSONDecoder().decode(Failure.self, from: body))?.error.message
    }
}

/// One reply handed from URLSession's queue to the waiting command.
private final class Reply: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var value: (Data?, Int?, (any Error)?) = (nil, nil, nil)

    func set(_ data: Data?, _ status: Int?, _ error: (any Error)?) {
        value = (data, status, error)
        done.signal()
    }

    func wait() -> (Data?, Int?, (any Error)?) {
        done.wait()
        return value
    }
}
