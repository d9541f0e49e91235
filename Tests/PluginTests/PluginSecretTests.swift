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
