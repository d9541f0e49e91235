import Foundation
import Hummingbird
import SluiceAPI
import SluiceCompiler
import SluiceModel
import SluiceRuntime
import SluiceStore

/// `/api/v1/flows`: register versions of a flow, list them, read one.
struct FlowRoutes {
    let store: Store
    var db: AsyncStore { AsyncStore(store) }

    func add(to router: Router<APIContext>) {
        router.post("/api/v1/flows") { request, _ in try await register(request) }
        router.get("/api/v1/flows") { _, _ in try await list() }
        router.get("/api/v1/flows/:name") { _, context in try await versions(context.parameters.require("name")) }
        router.get("/api/v1/flows/:name/versions/:version") { _, context in
            try await version(context.parameters.require("name"), context.parameters.require("version"))
        }
    }

    func register(_ request: Request) async throws -> Response {
        let body = try await JSONBody.decode(RegisterFlow.self, from: request)
        if let v = body.version, !RunRoutes.validRunID(v) {
            throw APIError(.unprocessableContent, code: "invalid-version",
                           "version must be 1-100 letters, digits, '-', '_' or '.', starting with a letter or digit", field: "version")
        }
        let flow = try Self.compile(body.flow)
        let name = flow.workflow.name
        let registered = try await db.run { store in
            try store.registerFlow(name: name, version: body.version, text: body.flow) { version in
                var versioned = flow
                versioned.workflow.version = version
                return StateCoding.encode(versioned)
            }
        }
        guard let registered else {
            throw APIError(.conflict, code: "flow-version-exists",
                           "flow '\(name)' already has a version '\(body.version ?? "")'; registered versions never change", field: "version")
        }
        return try JSONResponse.make(.created, FlowRef(name: registered.name, version: registered.version))
    }

    func list() async throws -> Response {
        try JSONResponse.make(.ok, FlowList(flows: try await db.run { try $0.latestFlows() }.map(Self.row)))
    }

    func versions(_ name: String) async throws -> Response {
        let found = try await db.run { try $0.flowVersions(name: name) }
        guard !found.isEmpty else { throw Self.noFlow(name, nil) }
        return try JSONResponse.make(.ok, FlowVersions(name: name, versions: found.map(Self.row)))
    }

    func version(_ name: String, _ version: String) async throws -> Response {
        guard let r = try await db.run({ try $0.flow(name: name, version: version) }) else { throw Self.noFlow(name, version) }
        let interface = try JSONDecoder().decode(CompiledFlow.self, from: r.compiled).workflow.interface
        let inputs = interface.inputs.map { p in
            FlowInputView(name: p.name, type: p.type.description, default: p.defaultValue, description: p.description, required: p.isRequired)
        }
        return try JSONResponse.make(.ok, FlowText(name: r.name, version: r.version, created: Time.iso(r.created), text: r.text, inputs: inputs))
    }

    /// The compiled flow of a registered version (the latest when `version` is nil), for a submission.
    static func registered(_ store: Store, name: String, version: String?) throws -> CompiledFlow {
        guard let r = try store.flow(name: name, version: version) else { throw noFlow(name, version, field: "flow_name") }
        return try JSONDecoder().decode(CompiledFlow.self, from: r.compiled)
    }

    /// Compiles flow text, or fails with 422 and the compiler's diagnostics.
    /// With a `target`, what its backend cannot honour is refused too.
    static func compile(_ text: String, field: String = "flow", for target: FlowCompiler.Target? = nil) throws -> CompiledFlow {
        try compileWarning(text, field: field, for: target).flow
    }

    /// The compiled flow and the compiler's warnings about it.
    static func compileWarning(_ text: String, field: String = "flow", for target: FlowCompiler.Target? = nil) throws -> (flow: CompiledFlow, warnings: [String]) {
        let compiled = FlowCompiler.compile(text, file: "flow", for: target)
        guard let flow = compiled.flow else {
            let count = compiled.diagnostics.count
            throw APIError(.unprocessableContent, code: "invalid-flow",
                           "the flow does not compile (\(count) problem\(count == 1 ? "" : "s")): \(compiled.diagnostics.first?.description ?? "unknown")",
                           field: field, details: compiled.diagnostics)
        }
        return (flow, compiled.warnings.map(\.description))
    }

    static func noFlow(_ name: String, _ version: String?, field: String? = nil) -> APIError {
        let what = version.map { "version '\($0)' of flow '\(name)'" } ?? "flow '\(name)'"
        return APIError(.notFound, code: "no-flow", "no registered \(what)", field: field)
    }

    static func row(_ v: FlowVersion) -> FlowVersionRow { FlowVersionRow(name: v.name, version: v.version, created: Time.iso(v.created)) }
}
