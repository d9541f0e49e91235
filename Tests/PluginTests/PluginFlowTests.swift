import Foundation
import SluiceCompiler
import SluiceEngine
import SluiceModel
import SluicePlugin
import SluiceRuntime
import Testing

/// Plugin tasks run by a controller through the attempt-backend seam, beside the local backend.
@Suite struct PluginFlowTests {
    /// A started controller over a fresh store whose local backend is wrapped to run the test plugins.
    final class Fixture: Sendable {
        let directory = temporaryFolder()
        let controller: Controller
        let secrets: LocalSecrets

        init() throws {
            secrets = LocalSecrets(directory: LocalSecrets.directory(forStore: directory))
            let local = try LocalBackend(root: directory + "/attempts", secrets: secrets)
            controller = try Controller(directory: directory, backend: PluginBackend(local, plugins: testPlugins, root: directory + "/attempts",
                                                                                     secrets: secrets))
            controller.start()
        }

        deinit {
            controller.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }

        func secret(_ name: String, _ value: String) throws {
            try FileManager.default.createDirectory(atPath: secrets.directory, withIntermediateDirectories: true)
            try value.write(toFile: secrets.file(SecretRef(name: name)), atomically: true, encoding: .utf8)
        }

        func compile(_ text: String, file: String) throws -> CompiledFlow {
            let r = FlowCompiler.compile(text, file: file, for: controller.compileTarget)
            return try #require(r.flow, "\(r.diagnostics.map(\.description))")
        }

        func run(_ flow: CompiledFlow, _ inputs: [String: LiteralValue]) async throws -> SluiceEngine.RunState {
            let controller = self.controller
            let id = try await onThread { try controller.submit(flow: flow, inputs: inputs, runID: "r1") }
            controller.drive(id)
            return try await controller.ended(id)
        }
    }

    @Test func theExampleFlowRunsEndToEnd() async throws {
        let server = try await TestHTTPServer.start()
        let f = try Fixture()
        let db = try TestDatabase("create table readings(city text, temperature real)")
        try f.secret("weather-token", "t0ken")
        try f.secret("readings-db", db.path)
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/plugins.yaml").path
        let flow = try f.compile(try String(contentsOfFile: example, encoding: .utf8), file: example)
        let state = try await f.run(flow, ["api": .string(server.base), "city": .string("Lyon")])
        #expect(state.header.phase == .succeeded, "\(String(describing: state.header.failure))")
        #expect(state.header.outputs?["temperature"] == .float(21.5))
        #expect(state.header.outputs?["readings"] == .list([.map(["city": .string("Lyon"), "temperature": .float(21.5)])]))
    }

    @Test func a5xxIsRetriedUnderTheTasksRetryPolicyThenSucceeds() async throws {
        let server = try await TestHTTPServer.start()
        let f = try Fixture()
        let flow = try f.compile("""
            name: flaky
            inputs: {api: string}
            outputs: {calls: call.calls}
            tasks:
              call:
                type: http
                inputs: {api: string}
                outputs: {calls: int}
                config: {url: "{{inputs.api}}/flaky/a", field: calls}
                retries: {attempts: 3, backoff: {base: 1ms, factor: 1, max: 1ms}}
            nodes:
              - {id: call, task: call, inputs: {api: inputs.api}}
            """, file: "flaky.yaml")
        let state = try await f.run(flow, ["api": .string(server.base)])
        #expect(state.header.phase == .succeeded, "\(String(describing: state.header.failure))")
        #expect(state.header.outputs?["calls"] == .int(3))
        #expect(state.nodes["call"]?.attempts.count == 3 && state.nodes["call"]?.userFailures == 2)
    }

    @Test func anUnexpected4xxFailsTheNodeWithoutSpendingRetries() async throws {
        let server = try await TestHTTPServer.start()
        let f = try Fixture()
        let flow = try f.compile("""
            name: missing
            inputs: {api: string}
            tasks:
              call:
                type: http
                inputs: {api: string}
                config: {url: "{{inputs.api}}/status/404"}
                retries: 3
            nodes:
              - {id: call, task: call, inputs: {api: inputs.api}}
            """, file: "missing.yaml")
        let state = try await f.run(flow, ["api": .string(server.base)])
        #expect(state.header.phase == .failed)
        #expect(state.nodes["call"]?.attempts.count == 1)
        #expect(state.nodes["call"]?.failure?.message.contains("answered 404") == true, "\(String(describing: state.nodes["call"]?.failure))")
    }

    @Test func theNodesTimeoutCancelsAPluginAttemptThroughTheBackend() async throws {
        let server = try await TestHTTPServer.start()
        let f = try Fixture()
        let flow = try f.compile("""
            name: slow
            inputs: {api: string}
            tasks:
              call:
                type: http
                inputs: {api: string}
                config: {url: "{{inputs.api}}/hang", timeout: 1h}
                timeout: 300ms
            nodes:
              - {id: call, task: call, inputs: {api: inputs.api}}
            """, file: "slow.yaml")
        let state = try await f.run(flow, ["api": .string(server.base)])
        #expect(state.header.phase != .succeeded)
        let attempt = try #require(state.nodes["call"]?.attempts.first)
        #expect(state.nodes["call"]?.attempts.count == 1 && attempt.cancelReason != nil && attempt.signal == 15,
                "\(String(describing: state.nodes["call"]))")
    }

    @Test func aPluginTaskTypeIsACapabilityOfTheWrappedBackend() throws {
        let f = try Fixture()
        let caps = f.controller.compileTarget.capabilities
        #expect(caps.backend == "local" && caps.runtimes.contains(.plugin("http")) && caps.runtimes.contains(.plugin("sql")))
        // `container` is a registered type, run by the backend itself: not a plugin runtime.
        #expect(!caps.runtimes.contains(.plugin("container")))
        let r = FlowCompiler.compile("""
            name: odd
            tasks:
              q: {type: graphql, config: {}}
            nodes: [{id: q, task: q}]
            """, file: "odd.yaml", for: f.controller.compileTarget)
        #expect(r.diagnostics.map(\.description).joined().contains("unknown task type 'graphql'; known types are container, http, sql"))
    }
}

/// Runs blocking work (store calls) on a thread of its own, never on the cooperative pool.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        Thread { c.resume(with: Result { try body() }) }.start()
    }
}
