import Hummingbird
import SluiceKube
#if canImport(Yams)
import Yams
#endif

extension APIHandler {
    func patch(_ target: ResourcePath, _ query: RequestQuery, _ request: inout Request, user: SimUser) async throws -> Response {
        try query.checkDryRun()
        let contentType = (request.headers[.contentType] ?? "").split(separator: ";").first.map { String($0).trimmingSpaces.lowercased() } ?? ""
        let buffer = try await request.collectBody(upTo: 64 << 20)
        let bytes = Array(buffer.readableBytesView)
        let name = target.name ?? ""
        let options = WriteOptions(dryRun: query.dryRun, user: user.name, verb: "patch")
        let subresource: Subresource = target.subresource == "status" ? .status : .main
        switch contentType {
        case "application/apply-patch+yaml", "application/apply-patch+cbor":
            return try apply(target, query, bytes, options: options, subresource: subresource)
        case "application/merge-patch+json", "application/strategic-merge-patch+json", "application/json-patch+json":
            let patch: JSONValue
            do { patch = try JSONValue.parse(bytes) } catch {
                throw SimStatusError.badRequest("error decoding patch: \(error)")
            }
            let manager = manager(query, request)
            let validation = try FieldValidation(query)
            var warnings: [String] = []
            if target.subresource == "scale" {
                let replicas = patch["spec"]?["replicas"] ?? 0
                let stored = try store.modify(target.type, namespace: target.namespace, name: name, options: options) { o in o["spec"]?["replicas"] = replicas }
                return HTTPReply.json(Scale.document(stored))
            }
            let stored = try store.modify(target.type, namespace: target.namespace, name: name, subresource: subresource, options: options) { (o: inout JSONObject) throws(SimStatusError) in
                let old = o
                let patched: JSONValue
                switch contentType {
                case "application/json-patch+json":
                    do { patched = try JSONPatch.apply(.object(o), patch) } catch let failure as JSONPatch.Failure {
                        throw SimStatusError(code: 422, reason: "Invalid", message: failure.message)
                    } catch {
                        throw SimStatusError.internalError("\(error)")
                    }
                default:
                    guard case .object = patch else { throw SimStatusError.badRequest("the patch must be a JSON object") }
                    patched = MergePatch.apply(.object(o), patch, strategic: contentType.contains("strategic"))
                }
                guard case .object(var result) = patched else { throw SimStatusError.badRequest("the patched document is not an object") }
                if result.metadataString("resourceVersion") != old.metadataString("resourceVersion") {
                    if let rv = result.metadataString("resourceVersion"), !rv.isEmpty { throw SimStatusError.conflict(target.type, name) }
                }
                warnings = try validation.check(&result, type: target.type)
                ManagedFields.record(&result, old: old, manager: manager, operation: "Update", type: target.type, subresource: target.subresource)
                o = result
            }
            return HTTPReply.withWarnings(HTTPReply.json(stored.bytes), warnings)
        default:
            throw SimStatusError(code: 415, reason: "UnsupportedMediaType",
                                 message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json")
        }
    }

    func apply(_ target: ResourcePath, _ query: RequestQuery, _ bytes: [UInt8], options: WriteOptions, subresource: Subresource) throws -> Response {
        guard let manager = query["fieldManager"], !manager.isEmpty else {
            throw SimStatusError.invalid(kind: "PatchOptions.meta.k8s.io", group: "meta.k8s.io", detailKind: "PatchOptions", "",
                                         [.required("fieldManager", "is required for apply patch")])
        }
        var applied = try parseApplied(bytes)
        _ = try FieldValidation(query).check(&applied, type: target.type)
        let name = target.name ?? ""
        if let bodyName = applied.metadataString("name"), bodyName != name {
            throw SimStatusError.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        let force = query.flag("force")
        if store.get(target.type, namespace: target.namespace, name: name) == nil, subresource == .main {
            var object = try ServerSideApply.apply(live: nil, applied: applied, manager: manager, force: force, type: target.type, subresource: nil)
            object.setMetadata("name", .string(name))
            let stored = try store.create(target.type, namespace: target.namespace, object, options: options)
            return HTTPReply.json(stored.bytes, status: .created)
        }
        let stored = try store.modify(target.type, namespace: target.namespace, name: name, subresource: subresource, options: options) { (o: inout JSONObject) throws(SimStatusError) in
            o = try ServerSideApply.apply(live: o, applied: applied, manager: manager, force: force, type: target.type, subresource: target.subresource)
        }
        return HTTPReply.json(stored.bytes)
    }

    func parseApplied(_ bytes: [UInt8]) throws -> JSONObject {
        if case .object(let o)? = try? JSONValue.parse(bytes) { return o }
        #if canImport(Yams)
        if let yaml = try? Yams.load(yaml: String(decoding: bytes, as: UTF8.self)), case .object(let o) = YAMLBridge.json(yaml) { return o }
        #endif
        throw SimStatusError.badRequest("error decoding YAML: the applied configuration is not a JSON or YAML object")
    }
}

#if canImport(Yams)
/// Converts Yams' untyped load result to JSON.
enum YAMLBridge {
    static func json(_ value: Any?) -> JSONValue {
        switch value {
        case nil: return .null
        case let b as Bool: return .bool(b)
        case let i as Int: return .int(Int64(i))
        case let d as Double: return .double(d)
        case let s as String: return .string(s)
        case let a as [Any?]: return .array(a.map(json))
        case let m as [String: Any?]:
            var o = JSONObject()
            for key in m.keys.sorted() { o[key] = json(m[key] ?? nil) }
            return .object(o)
        default: return .string("\(value!)")
        }
    }
}
#endif
