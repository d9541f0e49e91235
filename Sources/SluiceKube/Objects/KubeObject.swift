/// A top-level Kubernetes resource kept as its whole JSON document; typed properties are views over
/// it, so fields this client does not know survive a read-modify-write.
public protocol KubeObject: Sendable, Hashable {
    /// The group/version, e.g. "v1", "apps/v1", "coordination.k8s.io/v1".
    static var apiVersion: String { get }
    /// The kind, e.g. "Pod".
    static var kind: String { get }
    /// The plural resource name used in URLs, e.g. "pods".
    static var resource: String { get }
    /// Whether objects of this kind live in a namespace.
    static var namespaced: Bool { get }
    /// The whole object, unknown fields included.
    var document: JSONObject { get set }
    /// Wraps `document` without validating it; reading a missing field gives nil or empty.
    init(document: JSONObject)
}

extension KubeObject {
    /// An empty object of this kind: only `apiVersion` and `kind` are set.
    public init() {
        self.init(document: ["apiVersion": .string(Self.apiVersion), "kind": .string(Self.kind)])
    }

    /// An object of this kind named `name` in `namespace`, everything else to fill in.
    public init(name: String, namespace: String) {
        self.init()
        metadata.name = name
        metadata.namespace = namespace
    }

    /// Parses one JSON object (a GET or POST response body).
    public init(parsing bytes: some Collection<UInt8>) throws(KubeObjectError) {
        self.init(document: try KubeObjectError.parseObject(bytes))
    }

    /// The standard object metadata (name, namespace, labels, resourceVersion, ...).
    public var metadata: ObjectMeta {
        get { document[view: "metadata"] }
        _modify { yield &document[view: "metadata"] }
        set { document[view: "metadata"] = newValue }
    }

    /// The compact JSON of the document, keys in order (a request body).
    public func serialized() -> [UInt8] { JSONValue.object(document).serialized() }
}

/// A document that is not the object it should be: not JSON, not an object, or missing a member
/// that has no sensible default (such as a watch event's type).
public struct KubeObjectError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The member the problem is about ("" for the document as a whole), e.g. "object".
    public let field: String
    /// What is wrong, as a sentence fragment.
    public let message: String

    /// Creates an error about `field`.
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    /// One sentence, e.g. `invalid Kubernetes object field "type": "FOO" is not a watch event type`.
    public var description: String {
        field.isEmpty ? "invalid Kubernetes object: \(message)" : "invalid Kubernetes object field \"\(field)\": \(message)"
    }

    /// Parses `bytes` as a JSON object.
    static func parseObject(_ bytes: some Collection<UInt8>) throws(KubeObjectError) -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw KubeObjectError(field: "", message: error.description)
        }
        guard case .object(let object) = value else {
            throw KubeObjectError(field: "", message: "expected a JSON object")
        }
        return object
    }
}
