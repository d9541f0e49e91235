import Hummingbird
import SluiceKube

extension APIHandler {
    func create(_ target: ResourcePath, _ query: RequestQuery, _ request: inout Request, user: SimUser) async throws -> Response {
        guard target.subresource == nil else { throw SimStatusError.methodNotAllowed("POST", target.type) }
        try query.checkDryRun()
        var object = try await body(&request)
        let warnings = try FieldValidation(query).check(&object, type: target.type)
        ManagedFields.record(&object, old: nil, manager: manager(query, request), operation: "Update", type: target.type, subresource: nil)
        let stored = try store.create(target.type, namespace: target.namespace, object,
                                      options: WriteOptions(dryRun: query.dryRun, user: user.name))
        return HTTPReply.withWarnings(HTTPReply.json(stored.bytes, status: .created), warnings)
    }

    func update(_ target: ResourcePath, _ query: RequestQuery, _ request: inout Request, user: SimUser) async throws -> Response {
        try query.checkDryRun()
        var object = try await body(&request)
        let warnings = target.subresource == "scale" ? [] : try FieldValidation(query).check(&object, type: target.type)
        let options = WriteOptions(dryRun: query.dryRun, user: user.name)
        let name = target.name ?? ""
        if target.subresource == "scale" {
            let replicas = object["spec"]?["replicas"] ?? 0
            let stored = try store.modify(target.type, namespace: target.namespace, name: name, options: options) { o in o["spec"]?["replicas"] = replicas }
            return HTTPReply.json(Scale.document(stored))
        }
        let subresource: Subresource = target.subresource == "status" ? .status : .main
        let manager = manager(query, request)
        let stored = try store.replace(target.type, namespace: target.namespace, name: name, object, subresource: subresource, options: options) { existing, proposed in
            ManagedFields.record(&proposed, old: existing.object, manager: manager, operation: "Update", type: target.type,
                                 subresource: target.subresource)
        }
        return HTTPReply.withWarnings(HTTPReply.json(stored.bytes), warnings)
    }

    func delete(_ target: ResourcePath, _ query: RequestQuery, _ request: inout Request, user: SimUser) async throws -> Response {
        try query.checkDryRun()
        let options = try await deleteOptions(query, &request, user: user)
        let result = try store.delete(target.type, namespace: target.namespace, name: target.name ?? "", options: options)
        if [.pods, .services, .namespaces].contains(target.type) || { if case .pending = result { return true }; return false }() {
            return HTTPReply.json(result.object.bytes)
        }
        return HTTPReply.json(SimStatusError.success(target.type, name: result.object.name, uid: result.object.uid))
    }

    func deleteOptions(_ query: RequestQuery, _ request: inout Request, user: SimUser) async throws -> DeleteOptions {
        var options = DeleteOptions(write: WriteOptions(dryRun: query.dryRun, user: user.name))
        let buffer = try await request.collectBody(upTo: 1 << 20)
        if buffer.readableBytes > 0, case .object(let body)? = try? JSONValue.parse(buffer.readableBytesView) {
            options.gracePeriodSeconds = body["gracePeriodSeconds"]?.intValue
            if let policy = body["propagationPolicy"]?.stringValue { options.propagationPolicy = try propagation(policy) }
            if body["orphanDependents"]?.boolValue == true { options.propagationPolicy = .orphan }
            options.preconditionUID = body["preconditions"]?["uid"]?.stringValue
            options.preconditionResourceVersion = body["preconditions"]?["resourceVersion"]?.stringValue
            if (body["dryRun"]?.arrayValue ?? []).contains(.string("All")) { options.write.dryRun = true }
        }
        if let grace = try query.int("gracePeriodSeconds") { options.gracePeriodSeconds = grace }
        if let policy = query["propagationPolicy"], !policy.isEmpty { options.propagationPolicy = try propagation(policy) }
        if query["orphanDependents"] == "true" { options.propagationPolicy = .orphan }
        if let grace = options.gracePeriodSeconds, grace < 0 { options.gracePeriodSeconds = 1 }
        return options
    }

    func propagation(_ text: String) throws(SimStatusError) -> PropagationPolicy {
        guard let policy = PropagationPolicy(rawValue: text) else {
            throw .invalid(kind: "DeleteOptions.meta.k8s.io", group: "meta.k8s.io", detailKind: "DeleteOptions", "",
                           [.notSupported("propagationPolicy", .string(text), ["Foreground", "Background", "Orphan"])])
        }
        return policy
    }

    func deleteCollection(_ target: ResourcePath, _ query: RequestQuery, user: SimUser) async throws -> Response {
        try query.checkDryRun()
        let filter = try query.filter(target.type)
        var deleted: [StoredObject] = []
        for item in store.list(target.type, namespace: target.namespace, filter: filter).items {
            let options = DeleteOptions(gracePeriodSeconds: try query.int("gracePeriodSeconds"),
                                        write: WriteOptions(dryRun: query.dryRun, user: user.name))
            if let result = try? store.delete(target.type, namespace: item.namespace, name: item.name, options: options) {
                deleted.append(result.object)
            }
        }
        return HTTPReply.list(target.type, items: deleted, metadata: ["resourceVersion": .string(String(store.resourceVersion))])
    }
}
