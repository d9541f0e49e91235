import Foundation

/// What a request path names, following the real API server's URL layout.
enum Route: Equatable {
    case apiVersions                      // /api
    case apiGroups                        // /apis
    case apiGroup(String)                 // /apis/apps
    case resourceList(group: String, version: String)   // /api/v1, /apis/apps/v1
    case resource(ResourcePath)
    case admin(String)                    // /kubesim/...
    case version                          // /version
    case openAPI(String)                  // /openapi/v2, /openapi/v3, /openapi/v3/api/v1
    case health                           // /healthz, /readyz, /livez

    /// Parses a path; nil when it names nothing the server serves.
    static func parse(_ path: String, resources: (String, String, String) -> SimResource? = { SimResource.find(group: $0, version: $1, plural: $2) }) -> Route? {
        let segments = path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        guard let first = segments.first else { return nil }
        switch first {
        case "api":
            if segments.count == 1 { return .apiVersions }
            return resource(group: "", version: segments[1], rest: Array(segments.dropFirst(2)), find: resources)
        case "apis":
            if segments.count == 1 { return .apiGroups }
            if segments.count == 2 { return .apiGroup(segments[1]) }
            return resource(group: segments[1], version: segments[2], rest: Array(segments.dropFirst(3)), find: resources)
        case "kubesim":
            return .admin(segments.dropFirst().joined(separator: "/"))
        case "version":
            return .version
        case "openapi":
            return .openAPI(segments.dropFirst().joined(separator: "/"))
        case "healthz", "readyz", "livez":
            return .health
        default:
            return nil
        }
    }

    private static func resource(group: String, version: String, rest: [String],
                                 find: (String, String, String) -> SimResource?) -> Route? {
        var rest = rest
        if rest.isEmpty { return .resourceList(group: group, version: version) }
        var watchPath = false
        if rest.first == "watch" {
            watchPath = true
            rest.removeFirst()
        }
        var namespace: String?
        if rest.count >= 3, rest[0] == "namespaces" {
            namespace = rest[1]
            rest.removeFirst(2)
        } else if rest.first == "namespaces", rest.count >= 2, group.isEmpty {
            // /api/v1/namespaces/NS[/status]: the namespace object itself.
            guard let type = find("", version, "namespaces") else { return nil }
            return .resource(ResourcePath(type: type, namespace: nil, name: rest[1], subresource: rest.count > 2 ? rest[2] : nil, watchPath: watchPath))
        }
        guard let plural = rest.first, let type = find(group, version, plural) else { return nil }
        if namespace != nil, !type.namespaced { return nil }
        let name = rest.count > 1 ? rest[1] : nil
        let subresource = rest.count > 2 ? rest[2] : nil
        if rest.count > 3 { return nil }
        return .resource(ResourcePath(type: type, namespace: namespace, name: name, subresource: subresource, watchPath: watchPath))
    }
}

/// A path under a resource: `/api/v1/namespaces/NS/pods/NAME/status`.
struct ResourcePath: Equatable {
    var type: SimResource
    var namespace: String?
    var name: String?
    var subresource: String?
    /// The legacy `/watch/` prefix was used.
    var watchPath: Bool
}
