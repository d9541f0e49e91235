import Hummingbird
import SluiceKube

/// events.k8s.io/v1: every verb on the core Events, converted on the way in and out.
extension APIHandler {
    func eventsV1(_ verb: String, _ target: ResourcePath, _ query: RequestQuery, _ request: inout Request, user: SimUser,
                  fault: FaultRule?) async throws -> Response {
        var core = target
        core.type = .events
        let name = target.name ?? ""
        let options = WriteOptions(dryRun: query.dryRun, user: user.name)
        func reply(_ stored: StoredObject, _ status: HTTPResponse.Status = .ok) -> Response {
            HTTPReply.json(EventConversion.bytes(stored), status: status)
        }
        switch verb {
        case "get":
            guard let stored = store.get(.events, namespace: target.namespace, name: name) else { throw SimStatusError.notFound(.eventsV1, name) }
            return reply(stored)
        case "list":
            var filter = try query.filter(.eventsV1)
            filter.fields = EventConversion.coreSelector(filter.fields)
            let all = store.list(.events, namespace: target.namespace, filter: filter)
            let items = all.items.map { StoredObject(type: .eventsV1, object: EventConversion.toV1($0.object), resourceVersion: $0.resourceVersion) }
            return HTTPReply.list(.eventsV1, items: items, metadata: ["resourceVersion": .string(String(all.resourceVersion))])
        case "watch":
            var watch = try self.watch(core, query, fault: fault, filterType: .eventsV1)
            watch.render = EventConversion.bytes
            return watch.response
        case "create":
            try query.checkDryRun()
            var object = try await body(&request)
            try Admission.prepareCreate(.eventsV1, &object, namespace: target.namespace)
            var converted = EventConversion.toCore(object)
            ManagedFields.record(&converted, old: nil, manager: manager(query, request), operation: "Update", type: .eventsV1, subresource: nil)
            return reply(try store.create(.events, namespace: target.namespace, converted, options: options), .created)
        case "update":
            try query.checkDryRun()
            let object = try await body(&request)
            try Admission.validate(.eventsV1, object, old: nil)
            return reply(try store.update(.events, namespace: target.namespace, name: name, EventConversion.toCore(object), options: options))
        case "patch":
            let response = try await patchConverted(target, query, &request, options: options)
            return response
        case "delete":
            let deleteOptions = try await self.deleteOptions(query, &request, user: user)
            let result = try store.delete(.events, namespace: target.namespace, name: name, options: deleteOptions)
            return HTTPReply.json(SimStatusError.success(.eventsV1, name: result.object.name, uid: result.object.uid))
        default:
            return try await deleteCollection(core, query, user: user)
        }
    }

    /// Merge and JSON patches apply to the events.k8s.io shape of the stored core Event.
    func patchConverted(_ target: ResourcePath, _ query: RequestQuery, _ request: inout Request, options: WriteOptions) async throws -> Response {
        let contentType = (request.headers[.contentType] ?? "").split(separator: ";").first.map { String($0).trimmingSpaces.lowercased() } ?? ""
        let buffer = try await request.collectBody(upTo: 16 << 20)
        guard let patch = try? JSONValue.parse(buffer.readableBytesView) else { throw SimStatusError.badRequest("error decoding patch") }
        let stored = try store.modify(.events, namespace: target.namespace, name: target.name ?? "", options: options) { (o: inout JSONObject) throws(SimStatusError) in
            let view = JSONValue.object(EventConversion.toV1(o))
            let patched: JSONValue
            switch contentType {
            case "application/json-patch+json":
                do { patched = try JSONPatch.apply(view, patch) } catch let failure as JSONPatch.Failure {
                    throw SimStatusError(code: 422, reason: "Invalid", message: failure.message)
                } catch {
                    throw SimStatusError.internalError("\(error)")
                }
            case "application/merge-patch+json", "application/strategic-merge-patch+json":
                patched = MergePatch.apply(view, patch, strategic: contentType.contains("strategic"))
            default:
                throw SimStatusError(code: 415, reason: "UnsupportedMediaType",
                                     message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json")
            }
            guard case .object(let result) = patched else { throw SimStatusError.badRequest("the patched document is not an object") }
            o = EventConversion.toCore(result)
        }
        return HTTPReply.json(EventConversion.bytes(stored))
    }
}
