import Foundation
import Testing
@testable import SluiceCompiler
import SluiceModel
import SluicePlugin

/// `deploy: NAME` steps and tasks' `uses: [NAME]`, tied to the apps of the same file.
@Suite struct DeployStepCompileTests {
    static func flow(_ nodes: String, uses: String = "[web]", isPublic: Bool = true) -> String {
        """
        name: ship
        tasks:
          ask:
            command: [sh, -c, "curl -fsS $SLUICE_APP_WEB_URL/"]
            uses: \(uses)
        nodes:
        \(nodes)
        apps:
          - name: web
            command: [python3, app.py]
            public: \(isPublic)
        """
    }

    @Test func aDeployStepRunsACompilerMadeTaskWhoseUrlLaterNodesBind() throws {
        let result = Flow.compile(Self.flow("""
              - {id: up, deploy: web}
              - {id: ask, task: ask, after: [up]}
            """) + "\noutputs: {url: up.url}\n")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let flow = try #require(result.flow)
        let deploy = try #require(flow.tasks.first { $0.name == "deploy:web" })
        guard case .plugin(let type, .map(let config)) = deploy.runtime, case .string(let json)? = config["spec"] else {
            Issue.record("not a deploy task: \(deploy.runtime)")
            return
        }
        #expect(type == AppDeploy.taskType)
        #expect(try JSONDecoder().decode(AppSpec.self, from: Data(json.utf8)).command == ["python3", "app.py"])
        #expect(deploy.interface.outputs.map(\.name) == ["url"])
        #expect(flow.tasks.first { $0.name == "ask" }?.uses == ["web"])
        #expect(AppDeploy.urlVariable("my-web") == "SLUICE_APP_MY_WEB_URL")
    }

    @Test func anUnknownAppIsNamedAtItsStepWithTheNearestApp() {
        let result = Flow.compile(Self.flow("  - {id: up, deploy: wbe}"))
        expectDiagnostic(result, .unknownReference, line: 7, column: 22, path: "nodes[0].deploy",
                         message: "unknown app 'wbe'", "did you mean 'web'?", "apps defined in this file: web")
    }

    @Test func deployAndTaskOnOneStepAreRefused() {
        let result = Flow.compile(Self.flow("  - {id: up, deploy: web, task: ask}"))
        expectDiagnostic(result, .missingKey, line: 7, column: 5, path: "nodes[0]", message: "found task and deploy")
    }

    @Test func aDeployStepTakesNoInputsAndTaskCannotNameADeployTask() {
        let inputs = Flow.compile(Self.flow("  - {id: up, deploy: web, inputs: {x: 1}}"))
        expectDiagnostic(inputs, .invalidValue, line: 7, column: 35, path: "nodes[0].inputs", message: "a deploy node takes no 'inputs'")
        let named = Flow.compile(Self.flow("  - {id: up, task: \"deploy:web\"}"))
        expectDiagnostic(named, .invalidValue, line: 7, column: 20, path: "nodes[0].task", message: "write deploy: web")
    }

    @Test func usesNamesAPublicAppOfTheFile() {
        let unknown = Flow.compile(Self.flow("  - {id: ask, task: ask}", uses: "[webb]"))
        expectDiagnostic(unknown, .unknownReference, line: 5, column: 12, path: "tasks.ask.uses[0]",
                         message: "unknown app 'webb'", "did you mean 'web'?")
        let hidden = Flow.compile(Self.flow("  - {id: ask, task: ask}", isPublic: false))
        expectDiagnostic(hidden, .unsupported, line: 5, column: 12, path: "tasks.ask.uses[0]",
                         message: "app 'web' is not public", "set public: true")
    }

    @Test func aPluginTaskCannotUseAnAppItsEnvironmentNeverReaches() {
        let result = Flow.compile("""
            name: ship
            tasks:
              get: {type: http, config: {url: "http://example.com/"}, uses: [web]}
            nodes:
              - {id: get, task: get}
            apps:
              - {name: web, command: [x], public: true}
            """)
        expectDiagnostic(result, .invalidValue, line: 3, column: 65, path: "tasks.get.uses", message: "a http task runs in the controller")
    }

    @Test func aTaskCannotBeWrittenWithTheDeployType() {
        let result = FlowCompiler.compile("""
            name: ship
            tasks:
              d: {type: deploy, config: {app: web}}
            nodes:
              - {id: d, task: d}
            """, file: Flow.file, plugins: TaskPluginRegistry())
        expectDiagnostic(result, .invalidValue, line: 3, column: 13, path: "tasks.d.type", message: "a node 'deploy: APP' deploys")
    }

    @Test func aBackendThatRunsNoAppsRefusesDeployStepsAndUsesWhereTheyStand() {
        let target = FlowCompiler.Target(capabilities: BackendCapabilities(backend: "local", runtimes: [.hostCommand], gpus: false, secretPaths: false),
                                         plugins: TaskPluginRegistry()) { _ in true }
        let result = FlowCompiler.compile(Self.flow("""
              - {id: up, deploy: web}
              - {id: ask, task: ask, after: [up]}
            """), file: Flow.file, for: target)
        expectDiagnostic(result, .unsupported, line: 7, column: 22, path: "nodes[0].deploy",
                         message: "deploy steps need `sluice serve`: only it runs apps", only: false)
        expectDiagnostic(result, .unsupported, line: 5, column: 11, path: "tasks.ask.uses",
                         message: "'uses' needs `sluice serve`", only: false)
        #expect(result.diagnostics.count == 2, "\(result.diagnostics)")
    }
}
