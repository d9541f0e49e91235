import Foundation
import Hummingbird
import SluiceKube

extension APIHandler {
    func get(_ target: ResourcePath, _ query: RequestQuery, table: Bool = false) throws -> Response {
        let name = target.name ?? ""
        guard let object = store.get(target.type, namespace: target.namespace, name: name) else {
            throw SimStatusError.notFound(target.type, name)
        }
        if table, target.subresource == nil {
            return HTTPReply.json(ServerTable.document(target.type, objects: [object], listMetadata: ["resourceVersion": .string(String(object.resourceVersion))],
                                                       includeObject: query["includeObject"], now: Date()))
        }
        return HTTPReply.json(object.bytes)
    }

    /// A list page: `limit` items after the `continue` token's key, with a new token when more remain.
    func list(_ target: ResourcePath, _ query: RequestQuery, table: Bool = false) throws -> Response {
        let filter = try query.filter(target.type)
        let all = store.list(target.type, namespace: target.namespace, filter: filter)
        var listRV = all.resourceVersion
        var items = all.items
        if let token = query["continue"], !token.isEmpty {
            let position = try ContinueToken.decode(token)
            listRV = position.resourceVersion
            items = Array(items.drop { $0.key <= position.after })
        }
        var metadata: JSONObject = ["resourceVersion": .string(String(listRV))]
        if let limit = try query.int("limit"), limit > 0, items.count > limit {
            let remaining = items.count - Int(limit)
            items = Array(items.prefix(Int(limit)))
            metadata["continue"] = .string(ContinueToken.encode(resourceVersion: listRV, after: items.last!.key))
            metadata["remainingItemCount"] = .int(Int64(remaining))
        }
        if table {
            return HTTPReply.json(ServerTable.document(target.type, objects: items, listMetadata: metadata,
                                                       includeObject: query["includeObject"], now: Date()))
        }
        return HTTPReply.list(target.type, items: items, metadata: metadata)
    }

    /// `GET .../deployments/NAME/scale`: an autoscaling/v1 Scale.
    func scale(_ target: ResourcePath) throws -> Response {
        let name = target.name ?? ""
        guard let stored = store.get(target.type, namespace: target.namespace, name: name) else {
            throw SimStatusError.notFound(target.type, name)
        }
        return HTTPReply.json(Scale.document(stored))
    }

    func podLog(_ target: ResourcePath, _ query: RequestQuery) async throws -> Response {
        let name = target.name ?? ""
        guard let pod = store.get(.pods, namespace: target.namespace, name: name) else { throw SimStatusError.notFound(.pods, name) }
        let containers = (pod.object["spec"]?["containers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        var container = query["container"]
        if container == nil || container!.isEmpty {
            guard containers.count == 1 else {
                throw SimStatusError.badRequest("a container name must be specified for pod \(name), choose one of: [\(containers.joined(separator: " "))]")
            }
            container = containers[0]
        }
        guard containers.contains(container!) else {
            throw SimStatusError.badRequest("container \(container!) is not valid for pod \(name)")
        }
        let logRequest = PodLogRequest(namespace: target.namespace ?? "", pod: name, container: container!, follow: query.flag("follow"),
                                       tailLines: try query.int("tailLines"), sinceSeconds: try query.int("sinceSeconds"),
                                       timestamps: query.flag("timestamps"), previous: query.flag("previous"),
                                       limitBytes: try query.int("limitBytes"))
        guard let source = logSource.withLock({ $0 }) else { return HTTPReply.text("") }
        let chunks = try await source.logs(logRequest, pod: pod)
        var headers = HTTPFields()
        headers[.contentType] = "text/plain"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            for await chunk in chunks { try await writer.write(ByteBuffer(bytes: chunk)) }
            try await writer.finish(nil)
        })
    }
}

/// The opaque `continue` token: base64 of `{"v":"meta.k8s.io/v1","rv":N,"start":"key\u0000"}` as the real server.
enum ContinueToken {
    static func encode(resourceVersion: Int64, after key: String) -> String {
        let doc: JSONValue = ["v": "meta.k8s.io/v1", "rv": .int(resourceVersion), "start": .string(key + "\u{0}")]
        return Data(doc.serialized()).base64EncodedString()
    }

    static func decode(_ token: String) throws(SimStatusError) -> (resourceVersion: Int64, after: String) {
        guard let data = Data(base64Encoded: token), let doc = try? JSONValue.parse(Array(data)),
              doc["v"]?.stringValue == "meta.k8s.io/v1", let rv = doc["rv"]?.intValue, var start = doc["start"]?.stringValue else {
            throw .badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        }
        if start.hasSuffix("\u{0}") { start.removeLast() }
        return (rv, start)
    }
}

/// The autoscaling/v1 Scale view of a deployment.
enum Scale {
    static func document(_ stored: StoredObject) -> JSONObject {
        let o = stored.object
        var meta: JSONObject = [:]
        for key in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] { meta[key] = o["metadata"]?[key] }
        let selector = (o["spec"]?["selector"]?["matchLabels"]?.objectValue ?? JSONObject())
            .map { "\($0.key)=\($0.value.stringValue ?? "")" }.joined(separator: ",")
        return ["kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": .object(meta),
                "spec": ["replicas": o["spec"]?["replicas"] ?? 0],
                "status": ["replicas": o["status"]?["replicas"] ?? 0, "selector": .string(selector)]]
    }
}
