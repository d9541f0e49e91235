import Foundation
import Testing
@testable import SluiceModel

/// Encodes and decodes a value through JSON, returning the decoded copy.
func roundTrip<T: Codable>(_ value: T) throws -> T {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return try JSONDecoder().decode(T.self, from: try encoder.encode(value))
}

func jsonText<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

@Suite struct ModelCodingTests {
    static let resources = Resources(
        requests: ResourceList(cpu: try! Quantity(parsing: "500m"), memory: try! Quantity(parsing: "1.5Gi"), gpu: Quantity(integer: 1)),
        limits: ResourceList(cpu: Quantity(integer: 2), memory: try! Quantity(parsing: "2Gi"), gpu: Quantity(integer: 1),
                             ephemeralStorage: try! Quantity(parsing: "10Gi")),
        accelerator: "nvidia-tesla-a100")

    static let task = TaskTemplate(
        name: "train", description: "fits a model",
        interface: Interface(inputs: [Parameter(name: "epochs", type: .int, defaultValue: .int(10), description: "passes"),
                                      Parameter(name: "site", type: .optional(.string))],
                             outputs: [Variable(name: "loss", type: .float)]),
        runtime: .container(ContainerSpec(image: "registry/train:1", command: ["train"], args: ["--epochs", "{{inputs.epochs}}"],
                                          env: [EnvVar(name: "A", value: "1")], ports: [8080], workingDir: "/w")),
        resources: resources,
        retries: RetryPolicy(attempts: 3, systemAttempts: 4, backoff: Backoff(base: .seconds(1), factor: 2, max: .seconds(30))),
        timeout: TimeoutPolicy(runtime: .seconds(600), queued: .seconds(3600), deadline: .seconds(7200)),
        cache: CachePolicy(version: "1", ignore: ["site"], serialize: true), interruptible: true,
        heartbeat: .seconds(30), labels: ["team": "ml"], annotations: ["a": "b"], tags: ["x"],
        secrets: [SecretRef(name: "db", key: "password", env: "DB_PASSWORD")],
        revert: RevertSpec(command: ["sh", "-c", "undo"]))

    static let nodes: [Node] = [
        Node(id: "t", kind: .task("train"), inputs: [InputBinding(name: "epochs", binding: .reference(.input("epochs")))],
             after: ["x"], timeout: TimeoutPolicy(runtime: .seconds(5)), retries: RetryPolicy(attempts: 2),
             cache: CachePolicy(version: "2"), placement: Placement(node: "edge-1"), labels: ["k": "v"], interruptible: false,
             step: "Training"),
        Node(id: "w", kind: .workflow("sub"), inputs: [InputBinding(name: "x", binding: .list([.reference(.output(node: "t", name: "loss")), .literal(.float(1.5))]))]),
        Node(id: "b", kind: .branch(BranchSpec(
            cases: [BranchCase(when: .and([.compare(.reference(.output(node: "t", name: "loss")), .less, .literal(.float(0.5))),
                                           .not(.value(.reference(.input("force"))))]),
                               then: Node(id: "case-0", kind: .task("train")))],
            otherwise: .fail("too high")))),
        Node(id: "b2", kind: .branch(BranchSpec(cases: [BranchCase(when: .or([.value(.literal(.bool(true)))]), then: Node(id: "c", kind: .task("x")))],
                                                otherwise: .node(Node(id: "else", kind: .gate(.sleep(.seconds(1)))))))),
        Node(id: "g1", kind: .gate(.sleep(DurationValue(milliseconds: 1500)))),
        Node(id: "g2", kind: .gate(.approve(value: .reference(.output(node: "t", name: "loss")), message: "ok?"))),
        Node(id: "g3", kind: .gate(.signal(id: "threshold", type: .float))),
        Node(id: "m", kind: .map(MapSpec(over: .reference(.input("sites")), itemName: "site", task: "train",
                                         inputs: [InputBinding(name: "site", binding: .reference(.item("site")))],
                                         parallelism: 4, minSuccesses: nil, minSuccessRatio: 0.75))),
        Node(id: "d", kind: .dynamic(task: "gen", outputs: [Variable(name: "total", type: .int)])),
    ]

    @Test func taskTemplateRoundTrips() throws {
        #expect(try roundTrip(Self.task) == Self.task)
        let pod = TaskTemplate(name: "p", runtime: .pod(spec: .map(["containers": .list([.map(["name": .string("main")])])]), primaryContainer: "main"))
        #expect(try roundTrip(pod) == pod)
        let plugin = TaskTemplate(name: "q", runtime: .plugin(type: "sql", config: .map(["query": .string("select 1")])))
        #expect(try roundTrip(plugin) == plugin)
    }

    @Test func everyNodeKindRoundTrips() throws {
        for node in Self.nodes {
            #expect(try roundTrip(node) == node, "node \(node.id)")
        }
    }

    @Test func nodeKindsEncodeAsOneKeyObjects() throws {
        #expect(try jsonText(NodeKind.task("greet")) == #"{"task":"greet"}"#)
        #expect(try jsonText(GateSpec.sleep(.seconds(30))) == #"{"sleep":"30s"}"#)
        #expect(try jsonText(Binding.reference(.output(node: "a", name: "b"))) == #"{"ref":"a.b"}"#)
    }

    @Test func workflowAndDocumentRoundTrip() throws {
        let wf = WorkflowTemplate(
            id: Identifier(name: "flow", version: "3"), description: "d",
            interface: Interface(inputs: [Parameter(name: "sites", type: .list(.string), defaultValue: .list([.string("a")]))]),
            outputs: [OutputBinding(name: "loss", binding: .reference(.output(node: "t", name: "loss")))],
            nodes: Self.nodes, steps: [Step(name: "Training", nodes: ["t"])],
            onFailure: FailurePolicy(policy: .revert, node: Node(id: "on-failure", kind: .task("notify"),
                                                                   inputs: [InputBinding(name: "why", binding: .reference(.failure("message")))])))
        #expect(try roundTrip(wf) == wf)
        let app = AppSpec(name: "scorer", image: "r/s:2", command: ["python3", "-m", "scorer"], env: [EnvVar(name: "X", value: "1")],
                          port: 8080, resources: Self.resources, replicas: ReplicaPolicy(min: 1, max: 4, targetConcurrency: 8),
                          health: HealthCheck(path: "/healthz", interval: .seconds(5), timeout: .seconds(1), failures: 3), isPublic: true)
        let doc = FlowDocument(workflow: wf, tasks: ["train": Self.task], workflows: ["sub": wf], apps: [app])
        #expect(try roundTrip(doc) == doc)
    }

    @Test func literalValuesRoundTripThroughPlainJSON() throws {
        let values: [LiteralValue] = [.int(3), .float(2.5), .string("x"), .bool(true), .none,
                                      .list([.int(1), .int(2)]), .map(["a": .list([.string("b")])])]
        for v in values { #expect(try roundTrip(v) == v) }
        #expect(try jsonText(LiteralValue.map(["a": .int(1)])) == #"{"a":1}"#)
    }

    @Test func identifierPrintsVersion() {
        #expect(Identifier(name: "hello", version: "3").description == "hello@3")
        #expect(Identifier(name: "hello").description == "hello")
    }
}
