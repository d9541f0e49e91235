import SluiceCompiler
import SluiceModel
import SluicePlugin
import Testing

/// Plugin tasks are checked when the flow compiles, with the file's place, the path and a suggestion.
@Suite struct PluginCompileTests {
    static func flow(_ task: String) -> String {
        """
        name: demo
        tasks:
          call:
        \(task.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        nodes:
          - {id: call, task: call, inputs: {city: "Lyon"}}
        """
    }

    @Test func anUnknownTypeIsAnErrorNamingTheKnownTypes() {
        let d = diagnostics(Self.flow("type: htpp\ninputs: {city: string}\nconfig: {url: 'http://x'}"))
        #expect(d.count == 1)
        #expect(d.first?.contains("flow.yaml:4:11") == true, "\(d)")
        #expect(d.first?.contains("tasks.call.type") == true && d.first?.contains("did you mean 'http'?") == true
                && d.first?.contains("known types are container, http, sql") == true, "\(d)")
    }

    @Test func aMisspelledConfigKeyGetsItsPlaceAndASuggestion() {
        let d = diagnostics(Self.flow("type: http\ninputs: {city: string}\nconfig:\n  url: 'http://127.0.0.1/'\n  methd: POST"))
        #expect(d.count == 1)
        #expect(d.first?.contains("flow.yaml:8:7") == true && d.first?.contains("tasks.call.config.methd") == true
                && d.first?.contains("did you mean 'method'?") == true, "\(d)")
    }

    @Test func badHTTPValuesAreErrorsAtTheirFields() {
        let d = diagnostics(Self.flow("""
            type: http
            inputs: {city: string}
            outputs: {a: string, b: string}
            config:
              url: ftp://x
              method: FETCH
              expect: [200, 999]
              timeout: soon
              body: {name: "{{inputs.cty}}"}
            """))
        let all = d.joined(separator: "\n")
        #expect(all.contains("tasks.call.config.url: the URL must start with http://"), "\(all)")
        #expect(all.contains("tasks.call.config.method: 'FETCH' is not an HTTP method"), "\(all)")
        #expect(all.contains("tasks.call.config.expect[1]: expected an HTTP status code"), "\(all)")
        #expect(all.contains("tasks.call.config.timeout: invalid duration"), "\(all)")
        #expect(all.contains("tasks.call.config.body.name: '{{inputs.cty}}' names no input of the task") && all.contains("did you mean 'city'?"), "\(all)")
        #expect(all.contains("an http task fills one output"), "\(all)")
    }

    @Test func sqlChecksItsDialectQuotedInputsAndOutputType() {
        let d = diagnostics(Self.flow("""
            type: sql
            inputs: {city: string}
            outputs: {when: datetime}
            config:
              dialect: sqlit
              database: /tmp/x.db
              statement: "select * from t where city = '{{inputs.city}}'"
            """))
        let all = d.joined(separator: "\n")
        #expect(all.contains("tasks.call.config.dialect: 'sqlit' is not one of sqlite, postgres; did you mean 'sqlite'?"), "\(all)")
        #expect(all.contains("tasks.call.config.statement: '{{inputs.city}}' is inside quotes"), "\(all)")
        #expect(all.contains("output 'when' is datetime"), "\(all)")
    }

    @Test func theRegistryHoldsTheContainerTypeBesideThePlugins() {
        #expect(TaskPluginRegistry().types == ["container"])
        #expect(testPlugins.types == ["container", "http", "sql"])
        #expect(testPlugins.pluginTypes == ["http", "sql"])
        #expect(testPlugins[type: "container"]?.runsOnBackend == true && testPlugins[type: "http"]?.runsOnBackend == false)
        let d = diagnostics(Self.flow("type: contaner\ninputs: {city: string}"))
        #expect(d.count == 1 && d[0].contains("tasks.call.type: unknown task type 'contaner'; did you mean 'container'? known types are container, http, sql"), "\(d)")
    }

    @Test func typeContainerIsTheDefaultContainerTaskCheckedByTheCompilersOwnRules() throws {
        let r = FlowCompiler.compile(Self.flow("type: container\ninputs: {city: string}\nimage: busybox:1.36\ncommand: [echo, '{{inputs.city}}']"),
                                     file: "flow.yaml", plugins: testPlugins)
        let flow = try #require(r.flow, "\(r.diagnostics.map(\.description))")
        #expect(flow.tasks.first?.runtime == .container(ContainerSpec(image: "busybox:1.36", command: ["echo", "{{inputs.city}}"])))
        let bad = diagnostics(Self.flow("type: container\ninputs: {city: string}\nconfig: {url: x}"))
        let all = bad.joined(separator: "\n")
        #expect(all.contains("flow.yaml:6:") && all.contains("tasks.call.config: a container task (type: container) takes no 'config'"), "\(all)")
        #expect(all.contains("a task needs 'command'"), "\(all)")
    }

    @Test func anIdempotencyKeyIsCheckedAtItsPlace() {
        let attempt = diagnostics(Self.flow("type: http\ninputs: {city: string}\nconfig:\n  url: 'http://127.0.0.1/'\n  method: POST\n  idempotency_key: 'order-{{attempt}}'"))
        #expect(attempt.count == 1 && attempt[0].contains("flow.yaml:9:") && attempt[0].contains("tasks.call.config.idempotency_key: '{{attempt}}' cannot be part of an idempotency key"), "\(attempt)")
        let constant = diagnostics(Self.flow("type: http\ninputs: {city: string}\nconfig:\n  url: 'http://127.0.0.1/'\n  method: POST\n  idempotency_key: order-1"))
        #expect(constant.count == 1 && constant[0].contains("tasks.call.config.idempotency_key: a key without {{run}}, {{node}} or {{inputs.NAME}} is the same for every run"), "\(constant)")
        let typo = diagnostics(Self.flow("type: http\ninputs: {city: string}\nconfig:\n  url: 'http://127.0.0.1/'\n  method: POST\n  idempotency_key: '{{rum}}-{{inputs.cty}}'"))
        let all = typo.joined(separator: "\n")
        #expect(all.contains("'{{rum}}' is not a part of an idempotency key") && all.contains("did you mean 'run'?"), "\(all)")
        #expect(all.contains("'{{inputs.cty}}' names no input of the task") && all.contains("did you mean 'city'?"), "\(all)")
        let twice = diagnostics(Self.flow("type: http\ninputs: {city: string}\nconfig:\n  url: 'http://127.0.0.1/'\n  method: POST\n  headers: {Idempotency-Key: x}\n  idempotency_key: '{{run}}'"))
        #expect(twice.count == 1 && twice[0].contains("tasks.call.config.headers.Idempotency-Key: 'idempotency_key' sends the Idempotency-Key header"), "\(twice)")
        #expect(diagnostics(Self.flow("type: http\ninputs: {city: string}\nconfig:\n  url: 'http://127.0.0.1/'\n  method: POST\n  idempotency_key: '{{ run }}-{{node}}-{{inputs.city}}'")).isEmpty)
    }

    @Test func aValidPluginFlowCompiles() {
        let d = diagnostics(Self.flow("""
            type: sql
            inputs: {city: string}
            outputs: {rows: list<json>}
            config: {dialect: sqlite, database: {secret: db}, statement: "select * from t where city = {{inputs.city}}", timeout: 2s}
            """))
        #expect(d.isEmpty, "\(d)")
    }
}

/// The example plugin of docs/plugins.md does what the page says.
@Suite struct ExamplePluginTests {
    @Test func theTextPluginFillsItsTemplateAndReportsAMisspelledInput() async throws {
        let registry = TaskPluginRegistry([TextPlugin()])
        let bad = FlowCompiler.compile("""
            name: hi
            tasks:
              greet:
                type: text
                inputs: {who: string}
                outputs: {line: string}
                config: {template: "hello {{inputs.woh}}"}
            nodes: [{id: greet, task: greet, inputs: {who: "Ada"}}]
            """, file: "hi.yaml", plugins: registry).diagnostics.map(\.description)
        #expect(bad.count == 1 && bad[0].contains("hi.yaml:7:24") && bad[0].contains("did you mean 'who'?"), "\(bad)")
        let task = pluginTask(#"{"template": "hello {{inputs.who}}"}"#, inputs: ["who": .string], outputs: ["line": .string])
        #expect(try await TextPlugin().run(attempt(task, ["who": .string("Ada")])) == ["line": .string("hello Ada")])
    }
}
