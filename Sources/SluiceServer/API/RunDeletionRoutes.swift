import Foundation
import Hummingbird
import SluiceAPI
import SluiceModel
import SluiceRuntime
import SluiceStore

/// `DELETE /api/v1/runs/{id}` and `POST /api/v1/prune`: remove finished runs, their rows and attempt folders.
struct RunDeletionRoutes {
    let controller: Controller
    /// How many times (every 100 ms of real time) a forced delete looks whether the aborted run has ended and
    /// been let go before answering 409: a minute.
    var abortChecks = 600
    var db: AsyncStore { AsyncStore(controller.store) }

    func add(to router: Router<APIContext>) {
        router.delete("/api/v1/runs/:id") { request, context in try await delete(request, context) }
        router.post("/api/v1/prune") { request, _ in try await prune(request) }
    }

    func delete(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try await RunRef.resolve(try context.parameters.require("id"), db)
        let force = request.uri.queryParameters["force"].map { $0 == "true" || $0 == "1" } ?? false
        let clock = controller.options.clock
        if force {
            let actor = context.actor, controller = self.controller
            let unfinished = try await db.run { store in !(try store.runSummary(id)?.state.isFinal ?? true) }
            if unfinished {
                try await db.run { try GateActions(store: $0, posted: controller.inboxPosted).abort(runID: id, reason: "deleted with force", by: actor) }
            }
            // The controller driving it (here or on another server) ends it and lets its lease go.
            for _ in 0..<abortChecks {
                let now = clock.now()
                // Only "not yet" is waited out; a run deleted meanwhile or a store failure answers at once.
                let removed = try await db.run { store -> RemovedRun? in
                    do { return try store.deleteRun(id, now: now) } catch StoreError.runNotDeletable { return nil }
                }
                if let removed { return try JSONResponse.make(.ok, Self.row(removed)) }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let now = clock.now()
        let removed = try await db.run { try $0.deleteRun(id, now: now) }
        return try JSONResponse.make(.ok, Self.row(removed))
    }

    func prune(_ request: Request) async throws -> Response {
        let body = try await JSONBody.decode(PruneRequest.self, from: request)
        let age: DurationValue
        do { age = try DurationValue(parsing: body.older_than) } catch {
            throw APIError(.unprocessableContent, code: "invalid-field", "older_than: \(error)", field: "older_than")
        }
        var states: Set<RunPhase>?
        if let names = body.states, !names.isEmpty {
            states = try Set(names.map { name in
                guard let state = RunPhase(rawValue: name), state.isFinal else {
                    let known = RunPhase.allCases.filter(\.isFinal).map(\.rawValue).joined(separator: ", ")
                    throw APIError(.unprocessableContent, code: "invalid-field", "unknown finished state '\(name)'; expected one of \(known)", field: "states")
                }
                return state
            })
        }
        let now = controller.options.clock.now()
        let filter = PruneFilter(finishedBefore: now.addingTimeInterval(-age.seconds), states: states)
        let dryRun = body.dry_run ?? false
        let report = try await db.run { try $0.prune(filter, dryRun: dryRun, now: now) }
        return try JSONResponse.make(.ok, PruneResult(runs: report.runs.map(Self.row), leftovers: report.leftovers,
                                                      bytes_freed: report.bytesFreed, dry_run: dryRun))
    }

    static func row(_ run: RemovedRun) -> RemovedRunRow {
        RemovedRunRow(id: run.id, flow: run.flow, state: run.state.rawValue, finished: run.finished.map(Time.iso), bytes: run.bytes)
    }
}

/// A run named in an API path: its exact id, else the only run whose id starts with it.
enum RunRef {
    static func resolve(_ given: String, _ db: AsyncStore) async throws -> String {
        let text = given.removingPercentEncoding ?? given
        do { return try await db.run { try $0.resolveRunID(text) } } catch StoreError.noRun {
            throw APIError(.notFound, code: "no-run", "no run '\(text)'")
        }
    }
}
