import Foundation
import KubeSim
import SluiceCompiler
import SluiceEngine
import SluiceKube
import SluiceModel
import SluiceRuntime
import Testing

/// Runs blocking work (store calls) on a thread of its own, never on the cooperative pool.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        let t = Thread { c.resume(with: Result { try body() }) }
        t.stackSize = 1 << 20
        t.start()
    }
}

/// A KubeSim on loopback, a store folder, and controllers on the Kubernetes backend over both.
final class KubeFixture: @unchecked Sendable {
    let sim: KubeSimServer
    let directory: String
    let namespace = "default"
    private let lock = NSLock()
    private var controllers: [(Controller, KubernetesBackend)] = []

    private init(sim: KubeSimServer, directory: String) {
        self.sim = sim
        self.directory = directory
    }

    /// `commands`: the simulated kubelet runs each container's command as a host process.
    static func start(commands: Bool = true, _ configure: (inout KubeSimOptions) -> Void = { _ in }) async throws -> KubeFixture {
        var options = KubeSimOptions()
        options.bookmarkInterval = .milliseconds(200)
        options.runCommands = commands
        options.runtime = .host
        configure(&options)
        // The scheduler, the kubelet and the controllers (garbage collection) are components of their own.
        options.components = KubeSimComponents.builtIn(options)
        let sim = try await KubeSim.start(options)
        let directory = NSTemporaryDirectory() + "sluice-kube-\(UUID().uuidString)"
        return KubeFixture(sim: sim, directory: directory)
    }

    func client(qps: Double = 0) -> KubeClient {
        var retry = KubeClient.RetryPolicy()
        retry.networkRetryDelay = .milliseconds(20)
        return KubeClient(server: sim.baseURL, rateLimiter: RateLimiter(qps: qps, burst: 1), retryPolicy: retry)
    }

    /// A started controller on the Kubernetes backend over this fixture's store.
    func controller(options: Controller.Options = Controller.Options(), start: Bool = true,
                    _ tune: (inout KubernetesSettings) -> Void = { _ in }) throws -> (Controller, KubernetesBackend) {
        var settings = KubernetesSettings(pod: KubePodSettings(namespace: namespace))
        settings.deleteAfter = .zero
        settings.tick = .milliseconds(100)
        settings.podCreateQPS = 1000
        settings.podCreateBurst = 1000
        tune(&settings)
        let backend = KubernetesBackend(client: client(), settings: settings, root: directory + "/attempts")
        let controller = try Controller(directory: directory, backend: backend, options: options)
        if start { controller.start() }
        lock.withLock { controllers.append((controller, backend)) }
        return (controller, backend)
    }

    /// Stops a controller as a crash would leave things: no cleanup of its pods.
    func kill(_ pair: (Controller, KubernetesBackend)) {
        pair.1.shutdown()
        pair.0.stop()
    }

    static func flow(_ yaml: String) throws -> CompiledFlow {
        let r = FlowCompiler.compile(yaml, file: "test.yaml")
        return try #require(r.flow, "\(r.diagnostics.map(\.description))")
    }

    func submit(_ controller: Controller, _ yaml: String, inputs: [String: LiteralValue] = [:], id: String = "r",
                labels: [String: String] = [:]) async throws -> String {
        let flow = try Self.flow(yaml)
        return try await onThread { try controller.submit(flow: flow, inputs: inputs, runID: id, labels: labels) }
    }

    func run(_ controller: Controller, _ yaml: String, inputs: [String: LiteralValue] = [:], id: String = "r") async throws -> SluiceEngine.RunState {
        let runID = try await submit(controller, yaml, inputs: inputs, id: id)
        controller.drive(runID)
        return try await controller.ended(runID)
    }

    /// Every pod create KubeSim committed, by name.
    func podCreates() -> [String] {
        sim.store.writes().filter { $0.verb == "create" && $0.type.plural == "pods" }.map(\.name)
    }

    func pods() -> [JSONObject] {
        sim.store.allObjects().filter { $0.type.plural == "pods" }.map(\.object)
    }

    func pod(_ name: String) -> JSONObject? {
        pods().first { $0["metadata"]?["name"]?.stringValue == name }
    }

    /// The text of an attempt's `stdout.log` in the store ("" when there is none).
    func storedLog(_ backend: KubernetesBackend, run: String, node: String, attempt: Int = 1) -> String {
        guard let folder = backend.location(runID: run, attempt: AttemptRef(node: node, attempt: attempt)) else { return "" }
        return (try? String(contentsOfFile: folder + "/stdout.log", encoding: .utf8)) ?? ""
    }

    private var stopped = false

    /// Stops the controllers and KubeSim, dumping what was sent first; a second call does nothing (a test may stop
    /// explicitly, so the dump is written before the test process ends, and again in a `defer`).
    func stop() async {
        let first = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        let all = lock.withLock { controllers }
        for (c, b) in all {
            b.shutdown()
            c.stop()
        }
        dumpSentObjects()
        await sim.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

extension KubeFixture {
    /// Where every object the controllers sent to KubeSim is written, for `scripts/validate-sent.sh` (CI runs
    /// `kubernetes-validate --strict` over it): `<repo>/.build/kube-sent/`.
    static let sentFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/kube-sent").path

    /// Pod and Secret creates (attempts), and every create, replace or patch of an app's owner ConfigMap,
    /// Deployment, Service or Ingress by someone other than KubeSim's own controllers.
    static func isSent(_ w: WriteRecord) -> Bool {
        if w.verb == "create" && ["pods", "secrets"].contains(w.type.plural) { return true }
        return ["create", "update", "patch"].contains(w.verb) && ["configmaps", "deployments", "services", "ingresses"].contains(w.type.plural)
            && !w.user.hasPrefix("system:serviceaccount:") && !w.user.hasPrefix("system:node:") && w.user != "system:kubesim"
    }

    /// Writes the objects Sluice created or replaced (as KubeSim stored them: what a real API server would have
    /// received, plus its defaults) as one JSON file each. Writes of KubeSim's own controllers (ReplicaSets' pods,
    /// Endpoints, status) are left out: they are not ours.
    func dumpSentObjects() {
        let folder = Self.sentFolder + "/" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (i, w) in sim.store.writes().enumerated() where Self.isSent(w) {
            let file = folder + "/\(i)-\(w.type.plural)-\(w.name).json"
            _ = FileManager.default.createFile(atPath: file, contents: Data(JSONValue.object(w.object.object).serialized()))
        }
    }
}

/// Waits until `condition` holds; false when it never did within `limit` (a guard against hanging, not a
/// latency bound).
func eventually(_ limit: Duration = .seconds(60), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

extension SluiceEngine.RunState {
    func node(_ id: String) -> NodeState? { nodes[id] }
}
