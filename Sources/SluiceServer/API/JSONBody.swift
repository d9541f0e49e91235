import Foundation
import Hummingbird
import SluiceAPI

/// JSON responses of the wire types, with sorted keys. A value that cannot be encoded is thrown, so the error
/// middleware answers 500 and logs it, instead of a success status with an error body.
enum JSONResponse {
    static func make<T: Encodable>(_ status: HTTPResponse.Status, _ value: T) throws -> Response {
        let data = try WireJSON.encode(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Request bodies: collected up to the size limit and decoded as JSON, with 400 for bodies that are not
/// JSON and 422 for JSON of the wrong shape.
enum JSONBody {
    /// Decodes the body as `T`; an empty body decodes as `{}` (every field of `T` optional) when allowed.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, emptyAs empty: T? = nil) async throws -> T {
        let buffer = try await request.body.collect(upTo: APIServer.maxBodyBytes)
        return try decode(type, data: Data(buffer.readableBytesView), emptyAs: empty)
    }

    /// Decodes bytes already collected, with the same rules.
    static func decode<T: Decodable>(_ type: T.Type, data: Data, emptyAs empty: T? = nil) throws -> T {
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }), let empty { return empty }
        if nesting(data) > maxDepth {
            throw APIError(.unprocessableContent, code: "too-deep", "the body nests arrays and objects deeper than \(maxDepth) levels")
        }
        guard (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil else {
            throw APIError.badJSON(data.isEmpty ? "it is empty" : "it does not parse")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let e as DecodingError {
            throw invalid(e)
        }
    }

    /// How deep a body may nest: far more than any flow input needs, far less than a parser's own limit.
    static let maxDepth = 128

    /// The deepest nesting of `[` and `{` outside strings.
    static func nesting(_ data: Data) -> Int {
        var depth = 0, deepest = 0, inString = false, escaped = false
        for b in data {
            if inString {
                if escaped { escaped = false } else if b == 0x5c { escaped = true } else if b == 0x22 { inString = false }
                continue
            }
            switch b {
            case 0x22: inString = true
            case 0x5b, 0x7b: depth += 1; deepest = max(deepest, depth)
            case 0x5d, 0x7d: depth -= 1
            default: break
            }
        }
        return deepest
    }

    /// A decoding failure as a 422 naming the field.
    static func invalid(_ e: DecodingError) -> APIError {
        func path(_ keys: [any CodingKey]) -> String { keys.map(\.stringValue).joined(separator: ".") }
        switch e {
        case .keyNotFound(let key, let ctx):
            let field = path(ctx.codingPath + [key])
            return APIError(.unprocessableContent, code: "missing-field", "the body needs '\(field)'", field: field)
        case .typeMismatch(let type, let ctx), .valueNotFound(let type, let ctx):
            let field = path(ctx.codingPath)
            return APIError(.unprocessableContent, code: "invalid-field", "'\(field)' must be \(describe(type))", field: field)
        case .dataCorrupted(let ctx):
            let field = path(ctx.codingPath)
            if field.isEmpty { return APIError.badJSON(ctx.debugDescription) }
            return APIError(.unprocessableContent, code: "invalid-field", "'\(field)': \(ctx.debugDescription)", field: field)
        @unknown default:
            return APIError(.unprocessableContent, code: "invalid-body", "\(e)")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "true or false"
        case is [String: String].Type: "an object of strings"
        default: "of type \(type)"
        }
    }
}
