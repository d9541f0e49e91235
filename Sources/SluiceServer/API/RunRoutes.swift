import Foundation
import Hummingbird
import SluiceAPI
import SluiceCompiler
import SluiceEngine
import SluiceModel
import SluiceRuntime
import SluiceStore

/// `/api/v1/runs`: submit, list and get runs.
struct RunRoutes {
    let controller: Controller
    var store: AsyncStore { AsyncStore(controller.store) }

    func add(to router: Router<APIContext>) {
        router.post("/api/v1/runs") { request, _ in try await submit(request) }
        router.get("/api/v1/runs") { request, _ in try await list(request) }
        router.get("/api/v1/runs/:id") { _, context in try await get(RunRef.resolve(context.parameters.require("id"), store)) }
    }

    func submit(_ request: Request) async throws -> Response {
        let body = try await JSONBody.decode(SubmitRun.self, from: request)
        let flow: CompiledFlow
        var warnings: [String] = []
        switch (body.flow, body.flow_name) {
        case (let text?, nil): (flow, warnings) = try FlowRoutes.compileWarning(text, for: controller.compileTarget)
        case (nil, let name?):
            let version = body.flow_version
            flow = try await store.run { try FlowRoutes.registered($0, name: name, version: version) }
            let target = controller.compileTarget
            if let p = target.capabilities.problems(in: flow, secretExists: target.secretExists).first {
                throw APIError(.unprocessableContent, code: "unsupported", "flow '\(name)' cannot run here: \(p.path): \(p.message)", field: "flow_name")
            }
        case (nil, nil):
            throw APIError(.unprocessableContent, code: "missing-field", "the body needs 'flow' (flow text) or 'flow_name' (a registered flow)", field: "flow")
        case (_?, _?):
            throw APIError(.unprocessableContent, code: "invalid-field", "send 'flow' or 'flow_name', not both", field: "flow_name")
        }
        let inputs = try FlowInputs.typed(body.inputs ?? [:], interface: flow.workflow.interface)
        if let id = body.run_id, let problem = RunID.problem(id) {
            throw APIError(.unprocessableContent, code: "invalid-run-id", "run_id: \(problem)", field: "run_id")
        }
        for (key, value) in (body.labels ?? [:]).sorted(by: { $0.key < $1.key }) {
            if let problem = RunLabels.problem(key: key, value: value) {
                throw APIError(.unprocessableContent, code: "invalid-label", problem, field: "labels")
            }
        }
        let id: String
        let controller = self.controller, runID = body.run_id, labels = body.labels ?? [:]
        do {
            // The controller writes the run to the store: blocking work, so on a store thread.
            id = try await store.run { _ in try controller.submit(flow: flow, inputs: inputs, runID: runID, labels: labels) }
        } catch StoreError.runExists(let taken, _) {
            throw APIError(.conflict, code: "run-exists", "a run '\(taken)' already exists; pick another run_id", field: "run_id")
        }
        controller.poke()
        return try JSONResponse.make(.created, Submitted(run: id, state: "queued", warnings: warnings.isEmpty ? nil : warnings))
    }

    /// Names that follow the run id rule (`RunID`); flow versions use it too.
    static func validRunID(_ id: String) -> Bool { RunID.isValid(id) }

    func list(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        var states: [RunPhase]?
        if let s = query["state"].map(String.init), !s.isEmpty {
            states = try s.split(separator: ",").map { name in
                guard let st = RunPhase(rawValue: String(name)) else {
                    let known = RunPhase.allCases.map(\.rawValue).joined(separator: ", ")
                    throw APIError(.unprocessableContent, code: "invalid-query", "unknown state '\(name)'; expected one of \(known)", field: "state")
                }
                return st
            }
        }
        var limit = 50
        if let l = query["limit"] {
            guard let n = Int(String(l)), (1...1000).contains(n) else {
                throw APIError(.unprocessableContent, code: "invalid-query", "limit must be a whole number from 1 to 1000", field: "limit")
            }
            limit = n
        }
        var before: RunCursor?
        if let c = query["cursor"].map(String.init), !c.isEmpty {
            guard let cursor = Cursor.decode(c) else {
                throw APIError(.unprocessableContent, code: "invalid-query", "cursor is not one this server gave out", field: "cursor")
            }
            before = cursor
        }
        let flow = query["flow"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        var labels: [String: String] = [:]
        for text in query.getAll("label") where !text.isEmpty {
            guard let eq = text.firstIndex(of: "=") else {
                throw APIError(.unprocessableContent, code: "invalid-query", "label must be KEY=VALUE (found '\(text)')", field: "label")
            }
            labels[String(text[..<eq])] = String(text[text.index(after: eq)...])
        }
        let (inStates, ofFlow, withLabels, count, after) = (states, flow, labels, limit, before)
        let runs = try await store.run { try $0.listRuns(state: inStates, flow: ofFlow, labels: withLabels, limit: count, before: after) }
        let rows = runs.map { r in
            RunRow(id: r.id, flow: r.flow, flow_version: r.flowVersion, state: r.state.rawValue, labels: r.labels,
                   created: Time.iso(r.created), started: r.started.map(Time.iso), finished: r.finished.map(Time.iso), error: r.error, parent_run_id: r.parentRunID)
        }
        let next = runs.count == limit ? runs.last.map { Cursor.encode($0.cursor) } : nil
        return try JSONResponse.make(.ok, RunPage(runs: rows, next_cursor: next))
    }

    func get(_ id: String) async throws -> Response {
        guard let stored = try await store.run({ try $0.loadRun(id) }) else { throw APIError(.notFound, code: "no-run", "no run '\(id)'") }
        let (flow, state) = try StateCoding.load(stored)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return try JSONResponse.make(.ok, RunView(flow: flow, state: state, now: .init(milliseconds: now), labels: stored.run.summary.labels))
    }
}

/// Opaque list cursors: `<created ms>.<id>` in base64url.
enum Cursor {
    static func encode(_ c: RunCursor) -> String {
        Data("\(c.created).\(c.id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ s: String) -> RunCursor? {
        var b64 = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), let text = String(data: data, encoding: .utf8),
              let dot = text.firstIndex(of: "."), let ms = Int64(text[..<dot]) else { return nil }
        let id = String(text[text.index(after: dot)...])
        return id.isEmpty ? nil : RunCursor(created: ms, id: id)
    }
}

/// ISO 8601 times with milliseconds, as the run tree shows them.
enum Time {
    static func iso(_ d: Date) -> String { RunView.iso(d) }
}
