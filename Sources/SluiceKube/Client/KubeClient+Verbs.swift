/// How a patch body is to be read (its Content-Type).
public enum PatchType: Sendable, Hashable {
    /// RFC 7386 JSON merge patch.
    case merge
    /// Kubernetes strategic merge patch (lists merge by their key, e.g. containers by name).
    case strategicMerge
    /// RFC 6902 JSON patch (a list of operations).
    case json
    /// Server-side apply: the body is the full intent of `fieldManager`; `force` takes over conflicting fields.
    case apply(fieldManager: String, force: Bool)

    var contentType: String {
        switch self {
        case .merge: return "application/merge-patch+json"
        case .strategicMerge: return "application/strategic-merge-patch+json"
        case .json: return "application/json-patch+json"
        case .apply: return "application/apply-patch+yaml"
        }
    }
}

/// How a delete spreads to dependents.
public enum PropagationPolicy: String, Sendable {
    case foreground = "Foreground", background = "Background", orphan = "Orphan"
}

/// One page of a list: the items, the list's resourceVersion and the token for the next page.
public struct ListPage: Sendable {
    public var items: [JSONObject]
    public var resourceVersion: String
    /// Empty on the last page.
    public var continueToken: String
    public var remainingItemCount: Int64?
}

/// Options every list and watch takes.
public struct ListOptions: Sendable, Hashable {
    public var labelSelector: String?
    public var fieldSelector: String?
    public init(labelSelector: String? = nil, fieldSelector: String? = nil) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
    }

    var query: [(String, String)] {
        var q: [(String, String)] = []
        if let labelSelector, !labelSelector.isEmpty { q.append(("labelSelector", labelSelector)) }
        if let fieldSelector, !fieldSelector.isEmpty { q.append(("fieldSelector", fieldSelector)) }
        return q
    }
}

extension KubeClient {
    /// GET one object.
    public func get(_ type: ResourceType, namespace: String?, name: String) async throws(KubeError) -> JSONObject {
        let path = type.path(namespace: namespace, name: name)
        return try document(try await request(method: "GET", path: path), "GET", path)
    }

    /// One page of a list. `limit` 0 means no paging; `continueToken` comes from the previous page.
    public func list(_ type: ResourceType, namespace: String?, options: ListOptions = ListOptions(), limit: Int = 0,
                     continueToken: String? = nil, resourceVersion: String? = nil) async throws(KubeError) -> ListPage {
        let path = type.path(namespace: namespace)
        var query = options.query
        if limit > 0 { query.append(("limit", String(limit))) }
        if let continueToken, !continueToken.isEmpty { query.append(("continue", continueToken)) }
        if let resourceVersion { query.append(("resourceVersion", resourceVersion)) }
        // One key cache for the whole list: its items share their long member names.
        let list = try document(try await request(method: "GET", path: path, query: query), "GET", path, sharingKeys: true)
        let metadata = list["metadata"]?.objectValue ?? [:]
        var items: [JSONObject] = []
        for item in list["items"]?.arrayValue ?? [] {
            guard var object = item.objectValue else {
                throw .invalidResponse(method: "GET", path: path, detail: "an item of the list is not an object")
            }
            // Items of a list carry no kind/apiVersion on the wire; put them back so each stands alone.
            if object["kind"] == nil { object["kind"] = .string(type.kind) }
            if object["apiVersion"] == nil { object["apiVersion"] = .string(type.apiVersion) }
            items.append(object)
        }
        return ListPage(items: items, resourceVersion: metadata["resourceVersion"]?.stringValue ?? "",
                        continueToken: metadata["continue"]?.stringValue ?? "",
                        remainingItemCount: metadata["remainingItemCount"]?.intValue)
    }

    /// Every page of a list, `pageSize` items at a time. When a continue token expires (410) the list starts
    /// over without paging, as client-go's pager does, so the result is one consistent snapshot.
    public func listAll(_ type: ResourceType, namespace: String?, options: ListOptions = ListOptions(),
                        pageSize: Int = 500) async throws(KubeError) -> (items: [JSONObject], resourceVersion: String) {
        var items: [JSONObject] = []
        var token: String?
        while true {
            let page: ListPage
            do {
                page = try await list(type, namespace: namespace, options: options, limit: pageSize, continueToken: token)
            } catch {
                guard error.isGone, token != nil else { throw error }
                let whole = try await list(type, namespace: namespace, options: options)
                return (whole.items, whole.resourceVersion)
            }
            items += page.items
            if page.continueToken.isEmpty { return (items, page.resourceVersion) }
            token = page.continueToken
        }
    }

    /// POST a new object; the server's copy comes back (name from generateName, uid, resourceVersion).
    public func create(_ type: ResourceType, namespace: String?, _ object: JSONObject, dryRun: Bool = false,
                       fieldManager: String? = nil) async throws(KubeError) -> JSONObject {
        let path = type.path(namespace: namespace)
        var query: [(String, String)] = []
        if dryRun { query.append(("dryRun", "All")) }
        if let fieldManager { query.append(("fieldManager", fieldManager)) }
        let response = try await request(method: "POST", path: path, query: query, body: JSONValue.object(object).serialized(),
                                         contentType: "application/json")
        return try document(response, "POST", path)
    }

    /// PUT the whole object. With `metadata.resourceVersion` set the server refuses (409 Conflict) if the
    /// object changed since it was read.
    public func replace(_ type: ResourceType, namespace: String?, _ object: JSONObject, subresource: String? = nil,
                        dryRun: Bool = false, fieldManager: String? = nil) async throws(KubeError) -> JSONObject {
        guard let name = object["metadata"]?["name"]?.stringValue else {
            throw .invalidResponse(method: "PUT", path: type.path(namespace: namespace), detail: "the object has no metadata.name")
        }
        let path = type.path(namespace: namespace, name: name, subresource: subresource)
        var query: [(String, String)] = []
        if dryRun { query.append(("dryRun", "All")) }
        if let fieldManager { query.append(("fieldManager", fieldManager)) }
        let response = try await request(method: "PUT", path: path, query: query, body: JSONValue.object(object).serialized(),
                                         contentType: "application/json")
        return try document(response, "PUT", path)
    }

    /// DELETE one object. Returns what the server sent: the object (pods, while it terminates) or a Status.
    @discardableResult
    public func delete(_ type: ResourceType, namespace: String?, name: String, propagationPolicy: PropagationPolicy? = nil,
                       gracePeriodSeconds: Int? = nil, preconditionResourceVersion: String? = nil,
                       dryRun: Bool = false) async throws(KubeError) -> JSONObject {
        let path = type.path(namespace: namespace, name: name)
        var options: JSONObject = ["kind": "DeleteOptions", "apiVersion": "v1"]
        if let propagationPolicy { options["propagationPolicy"] = .string(propagationPolicy.rawValue) }
        if let gracePeriodSeconds { options["gracePeriodSeconds"] = .int(Int64(gracePeriodSeconds)) }
        if let preconditionResourceVersion { options["preconditions"] = ["resourceVersion": .string(preconditionResourceVersion)] }
        if dryRun { options["dryRun"] = ["All"] }
        let response = try await request(method: "DELETE", path: path, query: dryRun ? [("dryRun", "All")] : [],
                                         body: JSONValue.object(options).serialized(), contentType: "application/json")
        return try document(response, "DELETE", path)
    }

    /// PATCH one object (or its subresource, e.g. "status").
    public func patch(_ type: ResourceType, namespace: String?, name: String, _ patch: JSONValue, as patchType: PatchType,
                      subresource: String? = nil, dryRun: Bool = false) async throws(KubeError) -> JSONObject {
        let path = type.path(namespace: namespace, name: name, subresource: subresource)
        var query: [(String, String)] = []
        if dryRun { query.append(("dryRun", "All")) }
        if case .apply(let manager, let force) = patchType {
            query.append(("fieldManager", manager))
            if force { query.append(("force", "true")) }
        }
        let response = try await request(method: "PATCH", path: path, query: query, body: patch.serialized(),
                                         contentType: patchType.contentType)
        return try document(response, "PATCH", path)
    }

    /// Read-modify-write that survives concurrent writers: on 409 Conflict it reads the object again and
    /// re-applies `change` (client-go's retry.RetryOnConflict; 5 tries, backing off 10 ms ×1.0 + jitter).
    /// `change` returns false to stop without writing.
    @discardableResult
    public func update(_ type: ResourceType, namespace: String?, name: String, attempts: Int = 5,
                       _ change: (inout JSONObject) throws -> Bool) async throws -> JSONObject {
        var tries = 0
        while true {
            tries += 1
            var object = try await get(type, namespace: namespace, name: name)
            guard try change(&object) else { return object }
            let result: Result<JSONObject, KubeError>
            do {
                result = .success(try await replace(type, namespace: namespace, object))
            } catch {
                result = .failure(error)
            }
            switch result {
            case .success(let written): return written
            case .failure(let error):
                guard error.isConflict, tries < attempts else { throw error }
                try await clock.sleep(for: .milliseconds(10 + Int.random(in: 0...10)))
            }
        }
    }

    /// A pod's log: the whole text (or its last `tailLines` lines) as it is now.
    public func logs(namespace: String, pod: String, container: String? = nil, tailLines: Int? = nil,
                     previous: Bool = false) async throws(KubeError) -> [UInt8] {
        let path = ResourceType.pods.path(namespace: namespace, name: pod, subresource: "log")
        return try await request(method: "GET", path: path, query: logQuery(container, tailLines, previous, follow: false),
                                 accept: "*/*").body
    }

    /// A pod's log followed as it grows, until the container ends or the stream is dropped.
    public func followLogs(namespace: String, pod: String, container: String? = nil, tailLines: Int? = nil,
                           previous: Bool = false) async throws(KubeError) -> HTTPStreamResponse {
        let path = ResourceType.pods.path(namespace: namespace, name: pod, subresource: "log")
        return try await stream(path: path, query: logQuery(container, tailLines, previous, follow: true))
    }

    private func logQuery(_ container: String?, _ tailLines: Int?, _ previous: Bool, follow: Bool) -> [(String, String)] {
        var q: [(String, String)] = []
        if let container { q.append(("container", container)) }
        if let tailLines { q.append(("tailLines", String(tailLines))) }
        if previous { q.append(("previous", "true")) }
        if follow { q.append(("follow", "true")) }
        return q
    }

    func document(_ response: HTTPResponse, _ method: String, _ path: String,
                  sharingKeys: Bool = false) throws(KubeError) -> JSONObject {
        let value: JSONValue
        do {
            let keys = sharingKeys ? KeyCache() : nil
            value = try response.body.withUnsafeBytes { buffer in
                Result { () throws(JSONError) -> JSONValue in try JSONValue.parse(buffer, keys: keys) }
            }.get()
        } catch {
            throw .invalidResponse(method: method, path: path, detail: error.description)
        }
        guard let object = value.objectValue else {
            throw .invalidResponse(method: method, path: path, detail: "expected a JSON object")
        }
        return object
    }
}
