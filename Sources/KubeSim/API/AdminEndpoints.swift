import Hummingbird
import SluiceKube

/// `/kubesim/...`: every stored object, the write log, and the fault plan (no auth: test plumbing).
struct AdminEndpoints {
    let handler: APIHandler

    func respond(_ what: String, _ request: inout Request) async -> Response {
        let store = handler.store
        switch (request.method, what) {
        case (.get, "objects"):
            var out: [UInt8] = Array(#"{"items":["#.utf8)
            for (i, object) in store.allObjects().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: object.bytes)
            }
            out.append(contentsOf: "]}".utf8)
            return HTTPReply.json(out)
        case (.get, "writes"):
            let rows = store.writes().map { JSONValue.object($0.json) }
            return HTTPReply.json(["items": .array(rows), "resourceVersion": .string(String(store.resourceVersion))])
        case (.get, "faults"):
            return HTTPReply.json(["faults": .array(handler.faults.current.map { .object($0.json) })])
        case (.delete, "faults"):
            handler.faults.clear()
            return HTTPReply.json(["faults": []])
        case (.post, "faults"):
            do {
                let buffer = try await request.collectBody(upTo: 1 << 20)
                let body = try JSONValue.parse(buffer.readableBytesView)
                let entries = body.arrayValue ?? body["faults"]?.arrayValue ?? [body]
                if body["replace"]?.boolValue == true { handler.faults.clear() }
                for entry in entries {
                    if let spec = entry.stringValue { try handler.faults.add(spec) } else if let o = entry.objectValue { handler.faults.add(try FaultRule(json: o)) }
                }
                return HTTPReply.json(["faults": .array(handler.faults.current.map { .object($0.json) })])
            } catch {
                return HTTPReply.error(.badRequest("\(error)"))
            }
        default:
            return HTTPReply.error(handler.notFoundPath())
        }
    }
}
