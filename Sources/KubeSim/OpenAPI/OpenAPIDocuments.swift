import Foundation
import Hummingbird
import SluiceKube

/// `/openapi/v2` and `/openapi/v3` for the kinds KubeSim serves: paths with the operations and query
/// parameters a real server lists (kubectl checks PATCH for `fieldValidation` before it lets the server
/// validate) and the v1.30 schemas (`kubectl explain` reads them).
enum OpenAPIDocuments {
    /// Every definition by name, parsed once.
    static let definitions: JSONObject = {
        guard case .object(let object)? = try? JSONValue.parse(SchemaDefinitions.json) else { return JSONObject() }
        return object
    }()

    /// The definition name of each served kind (by its `x-kubernetes-group-version-kind`).
    static func definitionName(_ type: SimResource) -> String? {
        for (name, schema) in definitions {
            for gvk in schema["x-kubernetes-group-version-kind"]?.arrayValue ?? []
            where gvk["group"]?.stringValue == type.group && gvk["version"]?.stringValue == type.version
                && gvk["kind"]?.stringValue == type.kind {
                return name
            }
        }
        return nil
    }

    /// `api/v1`, `apis/apps/v1`: the group-versions served.
    static var groupVersions: [String] {
        var seen: [String] = []
        for type in SimResource.all {
            let path = type.group.isEmpty ? "api/\(type.version)" : "apis/\(type.group)/\(type.version)"
            if !seen.contains(path) { seen.append(path) }
        }
        return seen
    }

    /// `GET /openapi/v3`: where each group-version's document is.
    static func v3Root() -> JSONObject {
        var paths = JSONObject()
        for gv in groupVersions {
            paths[gv] = ["serverRelativeURL": .string("/openapi/v3/\(gv)?hash=\(StableID.hex("openapi:\(gv)", count: 32).uppercased())")]
        }
        return ["paths": .object(paths)]
    }

    static let v3Cache = Mutexed<[String: [UInt8]]>([:])

    /// `GET /openapi/v3/api/v1` and friends: OpenAPI 3.0 with the group-version's paths and every schema.
    static func v3(_ groupVersion: String) -> [UInt8]? {
        guard groupVersions.contains(groupVersion) else { return nil }
        if let cached = v3Cache.withLock({ $0[groupVersion] }) { return cached }
        let types = SimResource.all.filter { ($0.group.isEmpty ? "api/\($0.version)" : "apis/\($0.group)/\($0.version)") == groupVersion }
        var paths = JSONObject()
        for type in types { for (path, item) in OpenAPIPaths.items(type, v3: true) { paths[path] = item } }
        let schemas = String(decoding: JSONValue.object(definitions).serialized(), as: UTF8.self)
            .replacingOccurrences(of: "#/definitions/", with: "#/components/schemas/")
        var head = JSONValue.object(["openapi": "3.0.0", "info": ["title": "Kubernetes", "version": "v1.30.0"],
                                     "paths": .object(paths)]).serialized()
        head.removeLast()
        let bytes = head + Array(#","components":{"schemas":"#.utf8) + Array(schemas.utf8) + Array("}}".utf8)
        v3Cache.withLock { $0[groupVersion] = bytes }
        return bytes
    }

    static let v2Bytes: [UInt8] = {
        var paths = JSONObject()
        for type in SimResource.all { for (path, item) in OpenAPIPaths.items(type, v3: false) { paths[path] = item } }
        var head = JSONValue.object(["swagger": "2.0", "info": ["title": "Kubernetes", "version": "v1.30.0"],
                                     "paths": .object(paths)]).serialized()
        head.removeLast()
        return head + Array(#","definitions":"#.utf8) + JSONValue.object(definitions).serialized() + Array("}".utf8)
    }()
}

/// A lock around a value, for caches filled on first use.
final class Mutexed<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

extension APIHandler {
    /// `/openapi/v2` (JSON only: a client that accepts only protobuf gets 406 and falls back) and `/openapi/v3...`.
    func openAPI(_ path: String, accept: String?) throws -> Response {
        switch path {
        case "v2":
            if let accept, !accept.contains("json"), !accept.contains("*/*") {
                throw SimStatusError(code: 406, reason: "NotAcceptable", message: "only application/json is served")
            }
            return HTTPReply.json(OpenAPIDocuments.v2Bytes)
        case "v3": return HTTPReply.json(OpenAPIDocuments.v3Root())
        default:
            guard path.hasPrefix("v3/"), let bytes = OpenAPIDocuments.v3(String(path.dropFirst(3))) else { throw notFoundPath() }
            return HTTPReply.json(bytes)
        }
    }
}
