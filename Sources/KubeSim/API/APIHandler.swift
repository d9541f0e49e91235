import Hummingbird
import NIOCore
import SluiceKube
import Synchronization

/// Answers every request: faults first, then authentication, then the route (discovery, resources, admin).
final class APIHandler: Sendable {
    let store: ObjectStore
    let faults: FaultPlan
    let access: AccessPolicy
    let settings: APISettings
    let logSource = Mutex<(any PodLogSource)?>(nil)

    init(store: ObjectStore, faults: FaultPlan, access: AccessPolicy, settings: APISettings) {
        self.store = store
        self.faults = faults
        self.access = access
        self.settings = settings
    }

    func respond(_ request: Request, _ context: SimRequestContext) async -> Response {
        var request = request
        let path = request.uri.path
        let store = self.store
        let route = Route.parse(path) { store.resource(group: $0, version: $1, plural: $2) }
        if case .admin(let what)? = route {
            return await AdminEndpoints(handler: self).respond(what, &request)
        }
        let fault = faults.take(method: request.method.rawValue, path: path)
        if let delay = fault?.delaySeconds { try? await Task.sleep(for: .seconds(delay)) }
        if let error = fault?.statusError { return HTTPReply.error(error) }
        do {
            let user = try await access.authenticate(request, context)
            guard let route else { throw notFoundPath() }
            switch route {
            case .apiVersions: return HTTPReply.json(Discovery.apiVersions(address: settings.address))
            case .apiGroups: return HTTPReply.json(Discovery.groupList(store.resources))
            case .apiGroup(let group):
                guard let doc = Discovery.group(group, store.resources) else { throw notFoundPath() }
                return HTTPReply.json(doc)
            case .resourceList(let group, let version):
                guard let doc = Discovery.resourceList(group: group, version: version, store.resources) else { throw notFoundPath() }
                return HTTPReply.json(doc)
            case .version: return HTTPReply.json(Discovery.version)
            case .openAPI(let path): return try openAPI(path, accept: request.headers[.accept])
            case .health: return HTTPReply.text("ok")
            case .resource(let target):
                return try await resource(target, &request, user: user, fault: fault)
            case .admin: throw notFoundPath()
            }
        } catch let error as SimStatusError {
            return HTTPReply.error(error)
        } catch let expired as WatchExpired {
            return expired.response
        } catch {
            return HTTPReply.error(.internalError("\(error)"))
        }
    }

    func notFoundPath() -> SimStatusError {
        SimStatusError(code: 404, reason: "NotFound", message: "the server could not find the requested resource",
                       details: ["causes": [["reason": "UnexpectedServerResponse", "message": "404 page not found"]]])
    }

    /// Picks the verb from the method and path, checks access, and runs it.
    func resource(_ target: ResourcePath, _ request: inout Request, user: SimUser, fault: FaultRule?) async throws -> Response {
        let query = RequestQuery(request)
        let method = request.method
        let verb: String
        switch (method, target.name) {
        case (.get, nil): verb = target.watchPath || query.flag("watch") ? "watch" : "list"
        case (.get, _): verb = target.watchPath || query.flag("watch") ? "watch" : "get"
        case (.post, nil): verb = "create"
        case (.put, _?): verb = "update"
        case (.patch, _?): verb = "patch"
        case (.delete, _?): verb = "delete"
        case (.delete, nil): verb = "deletecollection"
        default: throw SimStatusError.methodNotAllowed(method.rawValue, target.type)
        }
        // Every authenticated user may ask what it may do.
        if target.type == .selfSubjectAccessReviews {
            guard verb == "create", target.name == nil else { throw SimStatusError.methodNotAllowed(method.rawValue, target.type) }
            return try await accessReview(&request, user: user)
        }
        try access.authorize(user, verb: verb, target: target)
        if let sub = target.subresource, !target.type.subresources.contains(sub) { throw notFoundPath() }
        if target.type == .eventsV1 { return try await eventsV1(verb, target, query, &request, user: user, fault: fault) }
        let table = ServerTable.wanted(request.headers[.accept])
        let response = try await serve(verb, target, query, &request, user: user, fault: fault, table: table)
        // Definitions take effect as soon as they are written (or deleted).
        if target.type == .customResourceDefinitions, !["get", "list", "watch"].contains(verb) { CustomResources.sync(store) }
        return response
    }

    func serve(_ verb: String, _ target: ResourcePath, _ query: RequestQuery, _ request: inout Request, user: SimUser,
               fault: FaultRule?, table: Bool) async throws -> Response {
        switch verb {
        case "watch": return try watch(target, query, fault: fault, table: table)
        case "list": return try list(target, query, table: table)
        case "get":
            if target.subresource == "log" { return try await podLog(target, query) }
            if target.subresource == "scale" { return try scale(target) }
            return try get(target, query, table: table)
        case "create": return try await create(target, query, &request, user: user)
        case "update": return try await update(target, query, &request, user: user)
        case "patch": return try await patch(target, query, &request, user: user)
        case "delete": return try await delete(target, query, &request, user: user)
        default: return try await deleteCollection(target, query, user: user)
        }
    }

    func body(_ request: inout Request) async throws -> JSONObject {
        let buffer = try await request.collectBody(upTo: 64 << 20)
        let bytes = buffer.readableBytesView
        do {
            guard case .object(let object) = try JSONValue.parse(bytes) else {
                throw SimStatusError.badRequest("the body of the request was not a JSON object")
            }
            return object
        } catch let error as JSONError {
            throw SimStatusError.badRequest("the body of the request was in an unknown format: \(error)")
        }
    }

    /// The `fieldManager` for non-apply writes: the query parameter or the User-Agent's product name.
    func manager(_ query: RequestQuery, _ request: Request) -> String {
        if let m = query["fieldManager"], !m.isEmpty { return m }
        let agent = request.headers[.userAgent] ?? "unknown"
        return String(agent.split(separator: "/").first ?? "unknown")
    }
}

/// Server-wide settings the handlers read.
struct APISettings: Sendable {
    var address: String
    var watch410: Watch410Mode
    var bookmarkInterval: Duration
}

/// How a watch from a resourceVersion older than the history fails.
public enum Watch410Mode: String, Sendable {
    /// HTTP 200 with one ERROR event carrying the 410 Expired Status (the real watch cache's way).
    case error
    /// A plain HTTP 410 Gone response with the Status.
    case plain
}
