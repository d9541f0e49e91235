import Hummingbird
import NIOCore
import SluiceKube

/// Builds HTTP responses from JSON documents, cached bytes and Status errors.
enum HTTPReply {
    static func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func json(_ object: JSONObject, status: HTTPResponse.Status = .ok) -> Response {
        json(JSONValue.object(object).serialized(), status: status)
    }

    static func text(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func error(_ error: SimStatusError) -> Response {
        var response = json(error.status, status: HTTPResponse.Status(code: error.code))
        if let retry = error.retryAfterSeconds { response.headers[.retryAfter] = String(retry) }
        return response
    }

    /// `{"kind":"PodList","apiVersion":"v1","metadata":{...},"items":[...]}` spliced from cached object bytes.
    static func list(_ type: SimResource, items: [StoredObject], metadata: JSONObject) -> Response {
        var out: [UInt8] = []
        out.reserveCapacity(items.reduce(128) { $0 + $1.bytes.count + 1 })
        out.append(contentsOf: #"{"kind":""#.utf8)
        out.append(contentsOf: "\(type.kind)List\",\"apiVersion\":\"\(type.apiVersion)\",\"metadata\":".utf8)
        out.append(contentsOf: JSONValue.object(metadata).serialized())
        out.append(contentsOf: #","items":["#.utf8)
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: item.bytes)
        }
        out.append(contentsOf: "]}".utf8)
        return json(out)
    }
}
