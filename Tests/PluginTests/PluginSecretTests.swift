import Foundation
import SluiceCompiler
import SluiceModel
import SluicePlugin
import SluiceRuntime
import Testing

/// Secrets a plugin task's config names: well-formed at compile time, present in the secret source at submit.
@Suite struct PluginSecretTests {
    static let flow = """
        name: hook
        inputs: {api: string}
        tasks:
          call:
            type: http
            inputs: {api: string}
            config:
              url: "{{inputs.api}}/once/secret"
              headers: {Authorization: {secret: api-token, prefix: "Bearer "}}
          save:
            type: sql
            config: {dialect: sqlite, database: {secret: readings-db, key: path}, statement: "select 1"}
        nodes:
          - {id: call, task: call, inputs: {api: inputs.api}}
          - {id: save, task: save}
        """

    @Test func aMalformedSecretNameOrKeyIsAnErrorAtItsPlace() {
        let d = diagnostics(PluginCompileTests.flow("""
            type: http
            inputs: {city: string}
            config:
              url: http://127.0.0.1/
              headers: {Authorization: {secret: Api_Token, key: "a/b"}}
            """))
        let all = d.joined(separator: "\n")
        #expect(all.contains("flow.yaml:8:41: tasks.call.config.headers.Authorization.secret: 'Api_Token' is not a secret name"), "\(all)")
        #expect(all.contains("tasks.call.config.headers.Authorization.key: 'a/b' is not a secret key"), "\(all)")
        let sql = diagnostics(PluginCompileTests.flow("type: sql\ninputs: {city: string}\nconfig: {dialect: sqlite, database: {secret: ''}, statement: 'select 1'}"))
        #expect(sql.joined().contains("tasks.call.config.database.secret: '' is not a secret name: it is empty"), "\(sql)")
    }

    /// While an attempt waits for its secrets nothing has happened, so nothing is recorded yet: a controller that died
    /// then would find no record after a restart and run the attempt again ("it never started").
    @Test func anAttemptWaitingForItsSecretsHasNoRecordYet() async throws {
        let (asked, asking) = AsyncStream<Void>.makeStream()
        let (gate, opening) = AsyncStream<Void>.makeStream()
        let source = PluginSecretSource { _ throws(BackendError) in
            asking.yield()
            for await _ in gate {}
            throw BackendError("the secret source was closed", kind: .system)
        }
        let directory = temporaryFolder()
        let local = try LocalBackend(root: directory + "/attempts", secrets: LocalSecrets(directory: directory + "/secrets"))
        let controller = try Controller(directory: directory, backend: PluginBackend(local, plugins: testPlugins, root: directory + "/attempts",
                                                                                     secretSource: source))
        controller.start()
        let r = FlowCompiler.compile("""
            name: hook
            tasks:
              call:
                type: http
                config: {method: POST, url: "http://127.0.0.1:9/", headers: {Authorization: {secret: api-token}}}
                retries: {attempts: 1, system_attempts: 0}
            nodes:
              - {id: call, task: call}
            """, file: "hook.yaml", for: controller.compileTarget)
        let flow = try #require(r.flow, "\(r.diagnostics.map(\.description))")
        let id = try await onThread { try controller.submit(flow: flow, inputs: [:], runID: "w1") }
        controller.drive(id)
        var questions = asked.makeAsyncIterator()
        _ = await questions.next()
        let records = FileManager.default.enumerator(atPath: directory + "/attempts")?.compactMap { $0 as? String }.filter { $0.hasSuffix("plugin.json") }
        #expect(records == [], "\(String(describing: records))")
        opening.finish()
        let state = try await controller.ended(id)
        // The source's failure is the controller's side (lost, from the system budget, which this task set to none).
        #expect(state.header.phase == .failed)
        #expect(state.nodes["call"]?.failure?.message.contains("the secret source was closed") == true, "\(String(describing: state.nodes["call"]))")
        controller.stop()
    }

    @Test func aMissingSecretRefusesTheRunAtSubmitNamingItAndWhereItIsExpected() throws {
        let f = try PluginFlowTests.Fixture()
        let r = FlowCompiler.compile(Self.flow, file: "hook.yaml", for: f.controller.compileTarget)
        let all = r.diagnostics.map(\.description).joined(separator: "\n")
        #expect(r.flow == nil)
        #expect(all.contains("hook.yaml:9:41: tasks.call.config.headers.Authorization.secret: secret 'api-token' is not in the controller's secret source: the http task reads it from \(f.secrets.directory)/api-token"), "\(all)")
        #expect(all.contains("tasks.save.config.database.secret: secret 'readings-db' key 'path' is not in the controller's secret source: the sql task reads it from \(f.secrets.directory)/readings-db/path"), "\(all)")
        try f.secret("api-token", "t0ken")
        try FileManager.default.createDirectory(atPath: f.secrets.directory + "/readings-db", withIntermediateDirectories: true)
        try "/tmp/x.db".write(toFile: f.secrets.directory + "/readings-db/path", atomically: true, encoding: .utf8)
        let again = FlowCompiler.compile(Self.flow, file: "hook.yaml", for: f.controller.compileTarget)
        #expect(again.flow != nil, "\(again.diagnostics.map(\.description))")
    }
}
