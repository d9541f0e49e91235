import Foundation
import Testing
@testable import SluiceCompiler
import SluiceModel

@Suite struct AppCompileTests {
    @Test func aFileWithOnlyAppsCompilesWithDefaults() {
        let result = FlowCompiler.compileApps("""
            apps:
              - name: web
                command: [python3, app.py]
                startup_grace: 5s
                request_timeout: 2s
                public: true
            """, file: "apps.yaml")
        #expect(result.diagnostics.isEmpty)
        let app = result.apps.first
        #expect(app?.startupGrace == .seconds(5))
        #expect(app?.requestTimeout == .seconds(2))
        #expect(app?.isPublic == true)
        #expect(app?.health.path == "/healthz")
    }

    @Test func secretsTakeTheTaskSyntax() {
        let result = FlowCompiler.compileApps("""
            apps:
              - name: web
                command: [x]
                secrets:
                  - db-password
                  - {name: api, key: token, env: API_TOKEN}
                  - {name: tls, path: /etc/tls/cert.pem}
            """, file: "apps.yaml")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(result.apps.first?.secrets == [SecretRef(name: "db-password"), SecretRef(name: "api", key: "token", env: "API_TOKEN"),
                                               SecretRef(name: "tls", path: "/etc/tls/cert.pem")])
    }

    @Test func badSecretsAreRefusedWithTheirPlace() {
        let result = FlowCompiler.compileApps("""
            apps:
              - name: web
                command: [x]
                secrets:
                  - {key: token}
                  - {name: api, colour: red}
                  - {name: p, env: PORT}
              - name: other
                command: [x]
                secrets: db-password
            """, file: "apps.yaml")
        let text = result.diagnostics.map(\.description).joined(separator: "\n")
        #expect(result.apps.isEmpty)
        #expect(text.contains("apps.yaml:5:9: apps[0].secrets[0]: missing required key 'name'"), "\(text)")
        #expect(text.contains("apps.yaml:6:21: apps[0].secrets[1].colour: unknown key 'colour' in a secret reference"), "\(text)")
        #expect(text.contains("apps.yaml:7:24: apps[0].secrets[2].env: PORT is set by the server"), "\(text)")
        #expect(text.contains("apps.yaml:10:14: apps[1].secrets: expected a list of secrets"), "\(text)")
    }

    @Test func aFlowFileGivesItsApps() {
        let text = (try? String(contentsOf: Flow.examplesDirectory.appendingPathComponent("apps.yaml"), encoding: .utf8)) ?? ""
        let result = FlowCompiler.compileApps(text, file: "apps.yaml")
        #expect(result.diagnostics.isEmpty)
        #expect(result.apps.map(\.name) == ["scorer"])
    }

    @Test func badValuesNameTheirPlace() {
        let result = FlowCompiler.compileApps("""
            apps:
              - name: web
                command: [x]
                request_timeout: 0s
                color: blue
            """, file: "apps.yaml")
        let text = result.diagnostics.map(\.description).joined(separator: "\n")
        #expect(result.apps.isEmpty)
        #expect(text.contains("apps.yaml:"), "\(text)")
        #expect(text.contains("request_timeout must be longer than 0"), "\(text)")
        #expect(text.contains("color"), "\(text)")
    }

    @Test func waitsTheServerCannotRunAndVariablesItSetsAreRefusedWithTheirPlace() {
        let result = FlowCompiler.compileApps("""
            apps:
              - name: web
                command: [x]
                env: {PORT: "9000", OTHER: "1"}
                health: {path: /h, interval: 0s, timeout: 400d}
                startup_grace: 3650d
            """, file: "apps.yaml")
        let text = result.diagnostics.map(\.description).joined(separator: "\n")
        #expect(result.apps.isEmpty)
        #expect(text.contains("apps[0].env.PORT: PORT is set by the server"), "\(text)")
        #expect(text.contains("apps[0].health.interval: health interval must be longer than 0"), "\(text)")
        #expect(text.contains("apps[0].health.timeout: health timeout must be at most 1d"), "\(text)")
        #expect(text.contains("apps[0].startup_grace: startup_grace must be at most 1d"), "\(text)")
        #expect(!text.contains("OTHER"), "\(text)")
    }

    @Test func fieldsTheLocalRuntimeDoesNotApplyAreNamed() throws {
        let result = FlowCompiler.compileApps("""
            apps:
              - {name: plain, command: [x]}
              - {name: sized, image: "python:3.11-slim", command: [x], resources: {cpu: 100m}, replicas: {min: 1, max: 3, target_concurrency: 8}}
            """, file: "apps.yaml")
        #expect(result.apps.map(\.notAppliedLocally) == [[], ["image", "resources"]])
    }

    @Test func aFileWithoutAppsSaysSo() {
        let result = FlowCompiler.compileApps("apps: []\n", file: "apps.yaml")
        #expect(!result.isValid)
        #expect(result.diagnostics.first?.message.contains("no apps") == true)
    }
}
