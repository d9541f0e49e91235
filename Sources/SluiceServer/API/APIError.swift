import Foundation
import Hummingbird
import SluiceAPI
import Logging
import SluiceCompiler
import SluiceRuntime
import SluiceStore

/// An API failure rendered as `{"error": {"code", "message", "field"}}` with its HTTP status.
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var field: String?
    /// Compiler diagnostics, for `invalid-flow`.
    public var details: [Diagnostic]?

    public init(_ status: HTTPResponse.Status, code: String, _ message: String, field: String? = nil, details: [Diagnostic]? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.details = details
    }

    /// The same refusal the CLI reports, with its HTTP status.
    init(_ e: RunActionError) {
        let status: HTTPResponse.Status = switch e.kind {
        case .notFound: .notFound
        case .invalid: .unprocessableContent
        case .conflict: .conflict
        }
        self.init(status, code: e.code, e.message, field: e.field)
    }

    static func badJSON(_ why: String) -> APIError { APIError(.badRequest, code: "bad-json", "the request body is not valid JSON: \(why)") }

    /// The wire body.
    var body: APIErrorBody {
        let details = details?.map { d in
            APIErrorBody.Detail(code: d.code.rawValue, file: d.file, line: d.line, column: d.column, path: d.path, message: d.message)
        }
        return APIErrorBody(.init(code: code, message: message, field: field, details: details))
    }

    /// The JSON response; a body that cannot be encoded (it is strings and numbers) still answers with the status.
    func response() -> Response {
        let data = (try? WireJSON.encode(body)) ?? Data(#"{"error":{"code":"\#(code)","message":"(unencodable)"}}"#.utf8)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Turns every error a route throws (ours, the store's, Hummingbird's) into the one error shape, counts it in
/// `/metrics` and logs it with the run and node it is about: 5xx at `error`, client errors (4xx) at `debug`.
/// A streamed body (events, followed logs) that fails after its head was sent is logged and counted the same way.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics
    var logger = Logger(label: "sluice.api")
    /// The longest URL (path and query) a request may have.
    static var maxURIBytes: Int { 8192 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response: Response
        do {
            // Refused here, with the error shape, rather than left to grow towards the HTTP parser's own limit.
            if request.uri.description.utf8.count > Self.maxURIBytes {
                throw APIError(.uriTooLong, code: "uri-too-long", "the request's URL is longer than \(Self.maxURIBytes) bytes")
            }
            response = try await next(request, context)
        } catch {
            let failure = Self.apiError(error)
            record(failure, cause: error, request, context)
            return failure.response()
        }
        guard response.body.contentLength == nil else { return response }
        // A streamed body runs after this returns: watch it for failures of ours (not a client going away).
        var watched = response
        let body = response.body, metadata = Self.metadata(request, context)
        let logger = self.logger, metrics = self.metrics
        watched.body = ResponseBody { writer in
            do {
                try await body.write(writer)
            } catch {
                if Self.isOurs(error) {
                    metrics.recordFailure(status: 500, code: "stream-failed")
                    logger.error("a streamed response failed", metadata: metadata.merging(["error": "\(error)"]) { $1 })
                } else {
                    logger.debug("a streamed response ended early", metadata: metadata.merging(["error": "\(error)"]) { $1 })
                }
                throw error
            }
        }
        return watched
    }

    private func record(_ failure: APIError, cause: any Error, _ request: Request, _ context: Context) {
        metrics.recordFailure(status: Int(failure.status.code), code: failure.code)
        var metadata = Self.metadata(request, context)
        metadata["status"] = "\(failure.status.code)"
        metadata["code"] = .string(failure.code)
        metadata["error"] = "\(cause)"
        if failure.status.code >= 500 {
            logger.error("request failed: \(failure.message)", metadata: metadata)
        } else {
            logger.debug("request refused: \(failure.message)", metadata: metadata)
        }
    }

    /// The method, path and the run, node and attempt of the route's parameters (when it has them).
    static func metadata(_ request: Request, _ context: Context) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["method": "\(request.method)", "path": .string(request.uri.path)]
        for (key, name) in [("run", "id"), ("run", "run"), ("node", "node"), ("attempt", "attempt"), ("signal", "signal")] {
            if let value = context.parameters.get(name) { metadata[key] = .string(value.removingPercentEncoding ?? String(value)) }
        }
        return metadata
    }

    /// Whether a failure is the server's (a store or encoding error) rather than the connection's.
    static func isOurs(_ error: any Error) -> Bool {
        error is StoreError || error is APIError || error is EncodingError || error is RunActionError
    }

    static func apiError(_ error: any Error) -> APIError {
        switch error {
        case let e as APIError: return e
        case let e as RunActionError: return APIError(e)
        case let e as StoreError:
            switch e {
            case .noRun: return APIError(.notFound, code: e.code, e.description)
            case .runExists: return APIError(.conflict, code: e.code, e.description)
            case .runNotDeletable: return APIError(.conflict, code: e.code, e.description)
            case .ambiguousRunID: return APIError(.unprocessableContent, code: e.code, e.description)
            case .sqlite(_, let code, _) where [8, 13].contains(code & 0xff):
                // Full or read-only: the server cannot record anything now; reads still work.
                return APIError(.serviceUnavailable, code: "store-read-only", "the store cannot record this now (\(e.description)); reads still work")
            default: return APIError(.internalServerError, code: "store-" + e.code, e.description)
            }
        case let e as any HTTPResponseError:
            switch e.status {
            case .contentTooLarge:
                return APIError(.contentTooLarge, code: "body-too-large", "the request body is larger than \(APIServer.maxBodyBytes) bytes")
            case .notFound:
                return APIError(.notFound, code: "not-found", "no such endpoint")
            default:
                return APIError(e.status, code: "http-\(e.status.code)", (e as? HTTPError)?.body ?? e.status.reasonPhrase)
            }
        default:
            return APIError(.internalServerError, code: "internal", "\(error)")
        }
    }
}
