/// A page of a LIST response (`PodList`, ...): the items and where to continue.
public struct ObjectList<Object: KubeObject>: Sendable, Hashable {
    /// The items, decoded once. List responses leave out each item's apiVersion and kind.
    public var items: [Object]
    /// Everything but the items, with a placeholder holding the items' place.
    private var rest: JSONObject

    /// Splits a List document into its items and the rest; members that are not objects are skipped.
    public init(document: JSONObject) {
        rest = document
        items = []
        if case .array(let elements)? = rest["items"] {
            rest["items"] = .null  // so the elements below are the only reference
            items.reserveCapacity(elements.count)
            for case .object(let element) in elements { items.append(Object(document: element)) }
        }
    }

    /// An empty list of `Object` (apiVersion and kind as the server writes them, e.g. "PodList").
    public init(items: [Object] = []) {
        self.init(document: [
            "apiVersion": .string(Object.apiVersion), "kind": .string(Object.kind + "List"), "metadata": [:],
        ])
        self.items = items
    }

    /// Parses a LIST response body.
    public init(parsing bytes: some Collection<UInt8>) throws(KubeObjectError) {
        self.init(document: try KubeObjectError.parseObject(bytes))
    }

    /// The whole List document, items in their place.
    public var document: JSONObject {
        var document = rest
        document["items"] = .array(items.map { .object($0.document) })
        return document
    }

    /// The version of the collection: start a watch from here.
    public var resourceVersion: String? {
        get { rest["metadata"]?["resourceVersion"]?.stringValue }
        set { rest[view: "metadata", as: ListMeta.self].object[string: "resourceVersion"] = newValue }
    }
    /// The token for the next page; nil on the last page.
    public var `continue`: String? {
        get { rest["metadata"]?["continue"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } }
        set { rest[view: "metadata", as: ListMeta.self].object[string: "continue"] = newValue }
    }
    /// How many items are left after this page, when the server counted them.
    public var remainingItemCount: Int? {
        get { rest["metadata"]?["remainingItemCount"]?.intValue.flatMap { Int(exactly: $0) } }
        set { rest[view: "metadata", as: ListMeta.self].object[int: "remainingItemCount"] = newValue }
    }
}

/// A List's metadata, viewed only to write its members in place.
struct ListMeta: JSONObjectView {
    var object: JSONObject
    init(object: JSONObject) { self.object = object }
}

extension JSONObject {
    /// `self[view: key]` with the view type spelled out.
    subscript<View: JSONObjectView>(view key: String, as type: View.Type) -> View {
        get { self[view: key] }
        _modify { yield &self[view: key] }
        set { self[view: key] = newValue }
    }
}
