import DockerEngine
import SluiceKube
import Foundation
import SluiceCompiler
import SluiceEngine
import SluiceModel
import Testing
@testable import SluiceRuntime

/// How an attempt becomes a container: what the engine is asked for, without an engine.
@Suite struct ContainerPlanTests {
    static func task(_ yaml: String) throws -> TaskTemplate {
        let r = FlowCompiler.compile("name: t\ntasks:\n  t:\n" + yaml + "\nnodes:\n  - {id: n, task: t}\n", file: "t.yaml")
        return try #require(r.flow?.tasks.first, "\(r.diagnostics)")
    }

    static func plan(_ task: TaskTemplate, command: [String] = ["run"], secrets: LocalSecrets = LocalSecrets(directory: "/nonexistent")) throws -> ContainerPlan {
        guard case .container(let c) = task.runtime else { throw BackendError("not a container task") }
        let spec = AttemptSpec(runID: "r1", ref: AttemptRef(node: "each[3]", attempt: 2), name: "x", task: task, image: c.image,
                               command: command, env: [EnvVar(name: "A", value: "1")], inputs: [:], inputsJSON: "{}",
                               resources: task.resources, placement: nil, labels: ["team": "ml"], interruptible: false)
        return try ContainerPlan(spec, folder: "/store/attempts/r1/each(3)/2", environment: ["SLUICE_CALLBACK_URL": "http://cb"], secrets: secrets)
    }

    @Test func resourcesBecomeEngineLimitsAndTheNetworkIsOffUnlessAsked() throws {
        let p = try Self.plan(try Self.task("""
                image: busybox:1.36
                command: [run]
                resources: {requests: {cpu: 250m, memory: 64Mi}, limits: {cpu: 1500m, memory: 128Mi, gpu: 2}, shm: 1Gi}
            """))
        let h = p.config.json["HostConfig"]
        #expect(h?["NanoCpus"]?.intValue == 1_500_000_000)
        #expect(h?["Memory"]?.intValue == 128 << 20)
        #expect(h?["MemoryReservation"]?.intValue == 64 << 20)
        #expect(h?["ShmSize"]?.intValue == 1 << 30)
        #expect(h?["DeviceRequests"]?.arrayValue?.first?["Count"]?.intValue == 2)
        #expect(h?["NetworkMode"]?.stringValue == "none")
        #expect(h?["ReadonlyRootfs"]?.boolValue == false)
        #expect(p.config.user == nil)
    }

    @Test func aTaskAsksForNetworkAUserAndAReadOnlyRoot() throws {
        let p = try Self.plan(try Self.task("""
                image: busybox:1.36
                command: [run]
                network: true
                user: "1000:1000"
                read_only: true
            """))
        #expect(p.config.host.networkMode == "bridge")
        #expect(p.config.user == "1000:1000")
        #expect(p.config.host.readonlyRootfs && p.config.host.tmpfs == ["/tmp"])
    }

    @Test func aTaskThatUsesAnAppJoinsTheBridgeNetworkAndOneWithoutStaysWithout() throws {
        var task = try Self.task("    image: busybox:1.36\n    command: [run]")
        #expect(try Self.plan(task).config.host.networkMode == "none")
        task.uses = ["web"]
        let p = try Self.plan(task)
        #expect(p.config.host.networkMode == ContainerBackend.appNetwork && ContainerBackend.appNetwork == "bridge")
        #expect(p.usedApps == ["web"])
    }

    @Test func theNameIsDeterministicAndTheLabelsNameTheAttempt() throws {
        let t = try Self.task("    image: busybox:1.36\n    command: [run]")
        let a = try Self.plan(t), b = try Self.plan(t)
        #expect(a.name == b.name && a.name.hasPrefix("sluice-r1-each-3-"))
        #expect(a.config.labels["sluice.dev/managed"] == "true" && a.config.labels["team"] == "ml")
        let back = try #require(ContainerPlan.ref(labels: a.config.labels))
        #expect(back.runID == "r1" && back.ref == AttemptRef(node: "each[3]", attempt: 2))
    }

    @Test func theAttemptFolderIsMountedAndTheEnvironmentPointsIntoIt() throws {
        let p = try Self.plan(try Self.task("    image: busybox:1.36\n    command: [run]\n    working_dir: data"))
        #expect(p.config.host.binds == ["/store/attempts/r1/each(3)/2:/sluice"])
        #expect(p.config.env["SLUICE_INPUTS"] == "/sluice/inputs.json" && p.config.env["SLUICE_OUTPUTS"] == "/sluice/outputs.json")
        #expect(p.config.env["A"] == "1" && p.config.env["SLUICE_CALLBACK_URL"] == "http://cb" && p.config.env["SLUICE_ATTEMPT"] == "2")
        #expect(p.config.workingDir == "/sluice/work/data")
        #expect(p.config.entrypoint == ["run"] && p.config.cmd == [])
    }

    @Test func withoutACommandTheImageEntrypointGetsTheArgs() throws {
        let p = try Self.plan(try Self.task("    image: busybox:1.36\n    args: [--fast]"), command: ["--fast"])
        #expect(p.config.entrypoint == nil && p.config.cmd == ["--fast"])
    }

    @Test func secretsAreVariablesOrReadOnlyFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-secrets-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/db", withIntermediateDirectories: true)
        try "hunter2\n".write(toFile: dir + "/db/password", atomically: true, encoding: .utf8)
        try "token".write(toFile: dir + "/api", atomically: true, encoding: .utf8)
        let t = try Self.task("""
                image: busybox:1.36
                command: [run]
                secrets: [{name: db, key: password, path: /run/secrets/db}, {name: api, env: API_TOKEN}]
            """)
        let p = try Self.plan(t, secrets: LocalSecrets(directory: dir))
        #expect(p.config.host.binds.contains(dir + "/db/password:/run/secrets/db:ro"))
        #expect(p.config.env["API_TOKEN"] == "token")
    }

    @Test func aTaskWithoutAnImageIsRefusedAtSubmitOnTheContainerBackendOnly() throws {
        let text = "name: t\ntasks:\n  t: {command: [run], user: \"1000\"}\nnodes:\n  - {id: n, task: t}\n"
        let container = BackendCapabilities(backend: "container", runtimes: [.containerImage], gpus: true, secretPaths: true, isolation: true)
        let local = BackendCapabilities(backend: "local", runtimes: [.hostCommand], gpus: false, secretPaths: false)
        let flow = try #require(FlowCompiler.compile(text, file: "t.yaml").flow)
        #expect(container.problems(in: flow) { _ in true }.map(\.path) == ["tasks.t.image"])
        #expect(local.problems(in: flow) { _ in true }.map(\.path) == ["tasks.t.user"])
    }
}
