import Foundation
import KubeSim
import SluiceCompiler
import SluiceEngine
import SluiceKube
import SluiceModel
import SluicePlugin
import SluiceRuntime
import SQLTask
import Testing

/// A sql task with `run_in: pod` renders a pod running psql, built by the same pod builder as container tasks, and
/// runs as that pod on the Kubernetes backend (KubeSim, its kubelet running the command on this machine against
/// the test's PostgreSQL).
@Suite struct PluginPodTests {
    static let flow = """
        name: readings
        inputs: {city: string, temperature: float}
        outputs: {saved: save.rows, count: count.n}
        tasks:
          save:
            type: sql
            inputs: {city: string, temperature: float}
            outputs: {rows: list<json>}
            config:
              dialect: postgres
              run_in: pod
              database: {secret: pg, key: url}
              statement: >-
                insert into pod_readings(city, temperature) values ({{inputs.city}}, {{inputs.temperature}})
                returning city, temperature
          count:
            type: sql
            inputs: {after: list<json>}
            outputs: {n: int}
            config: {dialect: postgres, database: {secret: pg, key: url}, statement: "select count(*) from pod_readings"}
        nodes:
          - {id: save, task: save, inputs: {city: inputs.city, temperature: inputs.temperature}}
          - {id: count, task: count, inputs: {after: save.rows}}
        """

    static let secrets = ResourceType(apiVersion: "v1", kind: "Secret", resource: "secrets", namespaced: true)

    @Test func renderShowsThePsqlPodWithInputsAsVariablesAndTheConnectionFromTheSecret() throws {
        let r = FlowCompiler.compile(Self.flow, file: "readings.yaml", plugins: testPlugins)
        let flow = try #require(r.flow, "\(r.diagnostics.map(\.description))")
        let preview = try PodPreview(flow, inputs: ["city": .string("O'Hare $(SLUICE_SQL_DATABASE)"), "temperature": .float(21.5)],
                                     settings: KubePodSettings(namespace: "default"), plugins: testPlugins)
        #expect(preview.entries.map(\.node) == ["save"])
        #expect(preview.notes.contains { $0.contains("count: task 'count' is a plugin task (type: sql) the controller runs") }, "\(preview.notes)")
        let pod = try #require(preview.entries.first?.plan.pod)
        let container = try #require(pod["spec"]?["containers"]?.arrayValue?.first)
        #expect(container["image"]?.stringValue == "postgres:17")
        let command = container["command"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(Array(command.prefix(2)) == ["sh", "-c"] && command.contains("sluice-sql"))
        // Inputs are psql variables, each one argument; `$` is doubled so Kubernetes expands nothing in them.
        #expect(command.contains("--set=sluice_1=O'Hare $$(SLUICE_SQL_DATABASE)") && command.contains("--set=sluice_2=21.5"), "\(command)")
        let env = container["env"]?.arrayValue ?? []
        let statement = env.first { $0["name"]?.stringValue == "SLUICE_SQL_STATEMENT" }?["value"]?.stringValue ?? ""
        #expect(statement.contains("values (:'sluice_1', :'sluice_2')") && !statement.contains("O'Hare"), "\(statement)")
        let database = env.first { $0["name"]?.stringValue == "SLUICE_SQL_DATABASE" }
        #expect(database?["valueFrom"]?["secretKeyRef"]?["name"]?.stringValue == "pg" && database?["valueFrom"]?["secretKeyRef"]?["key"]?.stringValue == "url")
        // The builder's own parts: labels, the outputs file, security defaults.
        #expect(pod["metadata"]?["labels"]?["sluice.dev/node"]?.stringValue == "save")
        #expect(container["terminationMessagePath"]?.stringValue == PodPlan.outputsPath)
        #expect(container["securityContext"]?["allowPrivilegeEscalation"]?.boolValue == false)
    }

    @Test func aRunInPodTaskIsRefusedAtSubmitByABackendWithoutPods() throws {
        let f = try PluginFlowTests.Fixture()
        let r = FlowCompiler.compile(Self.flow, file: "readings.yaml", for: f.controller.compileTarget)
        let all = r.diagnostics.map(\.description).joined(separator: "\n")
        #expect(all.contains("readings.yaml:11:15: tasks.save.config.run_in: 'run_in' makes this sql task run as a pod, and the local backend runs no pods; "
                             + "use the kubernetes backend, or remove 'run_in' so the controller runs the task"), "\(all)")
    }

    @Test(.enabled(if: PostgresServer.available && FileManager.default.isExecutableFile(atPath: "/usr/bin/psql")))
    func aRunInPodTaskRunsAsAPodOnKubernetesAndItsRowsAreTheOutput() async throws {
        let connection = try await PostgresTaskTests.connection()
        var options = KubeSimOptions()
        options.bookmarkInterval = .milliseconds(200)
        options.runCommands = true
        options.runtime = .host
        options.components = KubeSimComponents.builtIn(options)
        let sim = try await KubeSim.start(options)
        let directory = temporaryFolder()
        let client = KubeClient(server: sim.baseURL, rateLimiter: RateLimiter(qps: 0, burst: 1))
        _ = try await client.create(Self.secrets, namespace: "default", [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "pg"],
            "data": ["url": .string(Data(connection.utf8).base64EncodedString())],
        ])
        // The in-controller count task reads the same secret from the store's folder.
        let local = LocalSecrets(directory: LocalSecrets.directory(forStore: directory))
        try FileManager.default.createDirectory(atPath: local.directory + "/pg", withIntermediateDirectories: true)
        try connection.write(toFile: local.directory + "/pg/url", atomically: true, encoding: .utf8)
        let setup = try await PostgresQueryFixture.run(connection, "create table if not exists pod_readings(city text, temperature real)")
        #expect(setup)

        var settings = KubernetesSettings(pod: KubePodSettings(namespace: "default"))
        settings.deleteAfter = .zero
        settings.tick = .milliseconds(100)
        let kube = KubernetesBackend(client: client, settings: settings, root: directory + "/attempts")
        let controller = try Controller(directory: directory, backend: PluginBackend(kube, plugins: testPlugins, root: directory + "/attempts", secrets: local))
        controller.start()
        let r = FlowCompiler.compile(Self.flow, file: "readings.yaml", for: controller.compileTarget)
        let flow = try #require(r.flow, "\(r.diagnostics.map(\.description))")
        let city = "O'Hare $(SLUICE_SQL_DATABASE)"
        let id = try await onThread { try controller.submit(flow: flow, inputs: ["city": .string(city), "temperature": .float(21.5)], runID: "pod1") }
        controller.drive(id)
        let state = try await controller.ended(id)
        #expect(state.header.phase == .succeeded, "\(state.nodes.compactMapValues { $0.failure?.message })")
        #expect(state.header.outputs?["saved"] == .list([.map(["city": .string(city), "temperature": .float(21.5)])]),
                "\(String(describing: state.header.outputs))")
        #expect((state.header.outputs?["count"]).map { if case .int(let n) = $0 { n >= 1 } else { false } } == true)
        let creates = sim.store.writes().filter { $0.verb == "create" && $0.type.plural == "pods" }
        #expect(creates.count == 1, "\(creates.map(\.name))")
        let pod = try #require(creates.first?.object.object)
        #expect(pod["spec"]?["containers"]?.arrayValue?.first?["image"]?.stringValue == "postgres:17")
        // The backend's watches end before the simulator stops, which otherwise waits for them.
        kube.shutdown()
        controller.stop()
        await sim.stop()
    }
}

/// One statement on the test server through the sql plugin, for setting up tables.
enum PostgresQueryFixture {
    static func run(_ connection: String, _ statement: String) async throws -> Bool {
        let task = pluginTask(#"{"dialect": "postgres", "database": {"secret": "pg"}, "statement": "\#(statement)"}"#)
        return await failure { try await SQLTask().run(attempt(task, secrets: ["pg": connection])) } == nil
    }
}
