/// Which REST collection a request is about: `apiVersion` "v1" lives under /api/v1, any "group/version"
/// under /apis/group/version.
public struct ResourceType: Sendable, Hashable, CustomStringConvertible {
    public var apiVersion: String
    public var kind: String
    /// The plural, lower-case name in paths: "pods".
    public var resource: String
    public var namespaced: Bool

    public init(apiVersion: String, kind: String, resource: String, namespaced: Bool) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.resource = resource
        self.namespaced = namespaced
    }

    public static let pods = ResourceType(apiVersion: "v1", kind: "Pod", resource: "pods", namespaced: true)
    public static let services = ResourceType(apiVersion: "v1", kind: "Service", resource: "services", namespaced: true)
    public static let events = ResourceType(apiVersion: "v1", kind: "Event", resource: "events", namespaced: true)
    public static let namespaces = ResourceType(apiVersion: "v1", kind: "Namespace", resource: "namespaces", namespaced: false)
    public static let deployments = ResourceType(apiVersion: "apps/v1", kind: "Deployment", resource: "deployments", namespaced: true)
    public static let leases = ResourceType(apiVersion: "coordination.k8s.io/v1", kind: "Lease", resource: "leases", namespaced: true)
    public static let eventsV1 = ResourceType(apiVersion: "events.k8s.io/v1", kind: "Event", resource: "events", namespaced: true)

    /// "" for the core group.
    public var group: String {
        guard let slash = apiVersion.firstIndex(of: "/") else { return "" }
        return String(apiVersion[..<slash])
    }

    /// The path of the collection, e.g. /api/v1/namespaces/ns/pods or /apis/apps/v1/deployments (all namespaces).
    public func path(namespace: String?, name: String? = nil, subresource: String? = nil) -> String {
        var path = apiVersion.contains("/") ? "/apis/\(apiVersion)" : "/api/\(apiVersion)"
        if namespaced, let namespace { path += "/namespaces/\(PathEscape.segment(namespace))" }
        path += "/\(resource)"
        if let name { path += "/\(PathEscape.segment(name))" }
        if let subresource { path += "/\(subresource)" }
        return path
    }

    public var description: String { group.isEmpty ? resource : "\(resource).\(group)" }
}

/// Percent-encoding for path segments and query values (RFC 3986 unreserved characters stay).
enum PathEscape {
    static func isUnreserved(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default: return false
        }
    }

    static func segment(_ s: String) -> String { escape(s) }

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        let hex = Array("0123456789ABCDEF")
        for c in s.utf8 {
            if isUnreserved(c) {
                out.append(Character(Unicode.Scalar(c)))
            } else {
                out.append("%")
                out.append(hex[Int(c >> 4)])
                out.append(hex[Int(c & 0xF)])
            }
        }
        return out
    }

    static func query(_ items: [(String, String)]) -> String {
        guard !items.isEmpty else { return "" }
        return "?" + items.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }
}
