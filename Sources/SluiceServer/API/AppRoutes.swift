import Foundation
import Hummingbird
import SluiceAPI
import SluiceCompiler
import SluiceModel
import SluiceRuntime
import SluiceStore

/// `/api/v1/apps`: deploy apps from a file, list them, read one's status and logs, scale, stop, start, delete.
struct AppRoutes {
    let apps: any AppBackend
    let store: Store
    /// The server's base URL (for each app's endpoint), once it listens.
    let baseURL: @Sendable () -> String?
    /// Set when the server stops: followed logs end then, so a graceful shutdown is not held open.
    let stopping: StopSignal
    var db: AsyncStore { AsyncStore(store) }
    var poll: Duration = .milliseconds(100)

    func add(to router: Router<APIContext>) {
        router.post("/api/v1/apps") { request, _ in try await deploy(request) }
        router.get("/api/v1/apps") { _, _ in try JSONResponse.make(.ok, AppList(apps: try await run { try await apps.list() }.map(endpoint))) }
        router.get("/api/v1/apps/:name") { _, context in
            let name = try context.parameters.require("name")
            return try JSONResponse.make(.ok, endpoint(try await run { try await apps.view(name) }))
        }
        router.post("/api/v1/apps/:name/scale") { request, context in
            let name = try context.parameters.require("name")
            let body = try await JSONBody.decode(ScaleApp.self, from: request)
            guard body.replicas >= 0 else {
                throw APIError(.unprocessableContent, code: "invalid-field", "replicas must be 0 or more (found \(body.replicas))", field: "replicas")
            }
            return try JSONResponse.make(.ok, endpoint(try await run { try await apps.scale(name, replicas: body.replicas) }))
        }
        router.post("/api/v1/apps/:name/stop") { _, context in
            let name = try context.parameters.require("name")
            return try JSONResponse.make(.ok, endpoint(try await run { try await apps.setRunning(name, false) }))
        }
        router.post("/api/v1/apps/:name/start") { _, context in
            let name = try context.parameters.require("name")
            return try JSONResponse.make(.ok, endpoint(try await run { try await apps.setRunning(name, true) }))
        }
        router.delete("/api/v1/apps/:name") { _, context in
            let name = try context.parameters.require("name")
            try await run { try await apps.delete(name) }
            return Response(status: .noContent)
        }
        router.get("/api/v1/apps/:name/logs") { request, context in try await logs(request, name: context.parameters.require("name")) }
    }

    func deploy(_ request: Request) async throws -> Response {
        let body = try await JSONBody.decode(DeployApps.self, from: request)
        let compiled = FlowCompiler.compileApps(body.file, file: body.filename ?? "apps")
        guard compiled.isValid else {
            let count = compiled.diagnostics.count
            throw APIError(.unprocessableContent, code: "invalid-apps",
                           "the apps file does not compile (\(count) problem\(count == 1 ? "" : "s")): \(compiled.diagnostics.first?.description ?? "unknown")",
                           field: "file", details: compiled.diagnostics)
        }
        let specs = compiled.apps
        let views = try await run { try await apps.deploy(specs) }
        return try JSONResponse.make(.created, AppList(apps: views.map(endpoint)))
    }

    func logs(_ request: Request, name: String) async throws -> Response {
        let q = request.uri.queryParameters
        var replica = 0
        if let r = q["replica"] {
            guard let n = Int(String(r)), n >= 0 else {
                throw APIError(.unprocessableContent, code: "invalid-query", "replica must be a whole number from 0", field: "replica")
            }
            replica = n
        }
        var follow = false
        if let f = q["follow"] {
            guard f == "true" || f == "false" else { throw APIError(.unprocessableContent, code: "invalid-query", "follow must be true or false", field: "follow") }
            follow = f == "true"
        }
        let runtime = self.apps
        let view = try await run { try await runtime.view(name) }
        let index = replica
        let source = try await run { try await runtime.replicaLog(name, replica: index) }
        let path: String
        switch source {
        case .remote(let log):
            // A pod's log: the replicas are the app's pods now.
            if replica >= view.replicaStates.count {
                throw APIError(.notFound, code: "no-replica", "app '\(name)' has no replica \(replica) (it has \(view.replicaStates.count) pods now)",
                               field: "replica")
            }
            return try await remoteLog(log, follow: follow)
        case .file(let file):
            path = file
        }
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists && replica >= max(view.replicas, view.replicaStates.count) {
            throw APIError(.notFound, code: "no-replica", "app '\(name)' has no replica \(replica) (it runs \(view.replicas))", field: "replica")
        }
        let poll = self.poll, db = self.db, following = follow, stopping = self.stopping
        let body = ResponseBody { writer in
            var offset: UInt64 = 0
            while !Task.isCancelled && !stopping.isSet {
                let from = offset
                let more = try await db.run { _ in try LogRoutes.read(path, from: from) }
                if !more.isEmpty {
                    offset += UInt64(more.count)
                    try await writer.write(ByteBuffer(bytes: more))
                    continue
                }
                // Following ends when the app is deleted.
                if !following || runtime.routing(name) == nil && !FileManager.default.fileExists(atPath: path) { break }
                try await Task.sleep(for: poll)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-cache"], body: body)
    }

    /// A log the cluster keeps: read whole, or followed until the pod's container ends, the client leaves or the
    /// server stops.
    private func remoteLog(_ log: any AppRemoteLog, follow: Bool) async throws -> Response {
        let headers: HTTPFields = [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-cache"]
        if !follow {
            let bytes = try await run { try await log.read() }
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        let stream = try await run { try await log.follow() }
        let stopping = self.stopping, poll = self.poll
        let body = ResponseBody { writer in
            // A relay the server's stop can end while the pod's log is quiet; ending it (or the client leaving)
            // cancels the pump, which closes the log stream.
            let (relay, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
            let pump = Task {
                do {
                    for try await chunk in stream { continuation.yield(chunk) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            let watch = Task {
                while !stopping.isSet && !Task.isCancelled { try? await Task.sleep(for: poll) }
                continuation.finish()
            }
            continuation.onTermination = { _ in
                pump.cancel()
                watch.cancel()
            }
            for try await chunk in relay { try await writer.write(ByteBuffer(bytes: chunk)) }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    private func endpoint(_ view: AppView) -> AppView {
        var view = view
        view.endpoint = baseURL().map { AppDeploy.url(base: $0, app: view.name) }
        return view
    }

    /// Runs a runtime call, turning its errors into API errors.
    private func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        let result: Result<T, any Error>
        do { result = .success(try await body()) } catch { result = .failure(error) }
        switch result {
        case .success(let value): return value
        case .failure(let failure):
            guard let error = failure as? AppRuntimeError else { throw failure }
            switch error {
            case .noApp: throw APIError(.notFound, code: "no-app", error.description)
            case .invalid: throw APIError(.unprocessableContent, code: "invalid-app", error.description)
            case .cannotStart, .store: throw APIError(.internalServerError, code: "app-runtime", error.description)
            }
        }
    }
}
