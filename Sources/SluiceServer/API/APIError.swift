import Foundation
import Hummingbird
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

    /// The JSON body.
    func response() -> Response {
        struct Body: Encodable {
            struct Inner: Encodable {
                var code: String
                var message: String
                var field: String?
                var details: [Diagnostic]?
            }
            var error: Inner
        }
        return JSONResponse.make(status, Body(error: .init(code: code, message: message, field: field, details: details)))
    }
}

/// Turns every error a route throws (ours, the store's, Hummingbird's) into the one error shape.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return Self.apiError(error).response()
        }
    }

    static func apiError(_ error: any Error) -> APIError {
        switch error {
        case let e as APIError: return e
        case let e as RunActionError: return APIError(e)
        case let e as StoreError:
            switch e {
            case .noRun: return APIError(.notFound, code: e.code, e.description)
            case .runExists: return APIError(.conflict, code: e.code, e.description)
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
