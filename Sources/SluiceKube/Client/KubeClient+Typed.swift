/// The verbs on typed objects: the same calls as on documents, with the kind's REST collection implied.
extension KubeClient {
    public func get<T: KubeObject>(_: T.Type, namespace: String?, name: String) async throws(KubeError) -> T {
        T(document: try await get(T.resourceType, namespace: namespace, name: name))
    }

    /// One page of a list (`limit` 0: no paging).
    public func list<T: KubeObject>(_: T.Type, namespace: String?, options: ListOptions = ListOptions(), limit: Int = 0,
                                    continueToken: String? = nil) async throws(KubeError) -> (items: [T], page: ListPage) {
        let page = try await list(T.resourceType, namespace: namespace, options: options, limit: limit, continueToken: continueToken)
        return (page.items.map { T(document: $0) }, page)
    }

    /// Creates `object` in its own namespace (metadata.namespace) or `namespace`.
    public func create<T: KubeObject>(_ object: T, namespace: String? = nil, dryRun: Bool = false) async throws(KubeError) -> T {
        T(document: try await create(T.resourceType, namespace: namespace ?? object.metadata.namespace, object.document, dryRun: dryRun))
    }

    /// Replaces `object` (optimistically: its metadata.resourceVersion must still be current).
    public func replace<T: KubeObject>(_ object: T, subresource: String? = nil, dryRun: Bool = false) async throws(KubeError) -> T {
        T(document: try await replace(T.resourceType, namespace: object.metadata.namespace, object.document,
                                      subresource: subresource, dryRun: dryRun))
    }

    @discardableResult
    public func delete<T: KubeObject>(_: T.Type, namespace: String?, name: String, propagationPolicy: PropagationPolicy? = nil,
                                      gracePeriodSeconds: Int? = nil) async throws(KubeError) -> JSONObject {
        try await delete(T.resourceType, namespace: namespace, name: name, propagationPolicy: propagationPolicy,
                         gracePeriodSeconds: gracePeriodSeconds)
    }

    public func patch<T: KubeObject>(_: T.Type, namespace: String?, name: String, _ patch: JSONValue, as patchType: PatchType,
                                     subresource: String? = nil, dryRun: Bool = false) async throws(KubeError) -> T {
        T(document: try await self.patch(T.resourceType, namespace: namespace, name: name, patch, as: patchType,
                                         subresource: subresource, dryRun: dryRun))
    }

    /// Read-modify-write with re-reads on 409 Conflict (see the document form).
    @discardableResult
    public func update<T: KubeObject>(_: T.Type, namespace: String?, name: String, attempts: Int = 5,
                                      _ change: (inout T) throws -> Bool) async throws -> T {
        T(document: try await update(T.resourceType, namespace: namespace, name: name, attempts: attempts) { document in
            var object = T(document: document)
            let write = try change(&object)
            document = object.document
            return write
        })
    }
}
