import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KubeSim
import SluiceKube
import SluiceModel
@testable import SluiceRuntime
import SluiceServer
import Synchronization
import Testing

/// Scale to zero through `sluice serve`'s gateway on KubeSim: the first request for an app at zero replicas makes
/// its Deployment run one and is held until the pod is ready, or answered 503 once the startup grace has passed on
/// the apps' clock. The gateway's upstream (`--app-upstream`) must be an HTTP server that listens before the request
/// (KubeSim's pod addresses are not routable, and a pod's process may still be binding its port when the pod reports
/// ready: KubeSim runs no probes): KubeSim's own, whose `/version` stands in for the app.
@Suite struct KubernetesAppWakeTests {
    struct Served {
        let fixture: KubeFixture
        let served: KubeAppServer
        var server: APIServer { served.server }
        var port: Int { served.port }
        let clock: SteppedAppClock

        static func start() async throws -> Served {
            let fixture = try await KubeFixture.start()
            let clock = SteppedAppClock()
            var pod = KubePodSettings(namespace: fixture.namespace)
            pod.storeID = "wake-test"
            var settings = KubernetesApps.Settings(pod: pod)
            settings.upstream = fixture.sim.baseURL
            settings.clock = clock
            return Served(fixture: fixture, served: try await KubeAppServer.start(fixture, settings), clock: clock)
        }

        func deployed(_ name: String) -> Int? {
            fixture.sim.store.get(.deployments, namespace: fixture.namespace, name: name)?.object["spec"]?["replicas"]?.intValue.map(Int.init)
        }

        func get(_ path: String) async throws -> (status: Int, body: String) {
            try await Self.get(URL(string: "http://127.0.0.1:\(port)\(path)")!)
        }

        static func get(_ url: URL) async throws -> (status: Int, body: String) {
            var request = URLRequest(url: url)
            request.timeoutInterval = 60
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        }

        func stop() async {
            await served.stop()
            await fixture.stop()
        }
    }

    static func lazy(image: String = "busybox:1.36", grace: DurationValue) -> AppSpec {
        AppSpec(name: "lazy", image: image, command: ["sh", "-c", "exec sleep 600"], port: 8080, replicas: ReplicaPolicy(min: 0, max: 1),
                startupGrace: grace, isPublic: true)
    }

    @Test func theFirstRequestWakesAnAppAtZeroAndIsAnsweredOnceItsPodIsReady() async throws {
        let s = try await Served.start()
        defer { Task { await s.stop() } }
        _ = try await s.server.apps.deploy([Self.lazy(grace: .seconds(3600))])
        #expect(s.deployed("lazy") == 0)
        #expect(try await s.server.apps.view("lazy").state == "idle")

        let answer = try await s.get("/apps/lazy/version")
        #expect(answer.status == 200 && answer.body.contains("gitVersion"), "\(answer)")
        #expect(s.deployed("lazy") == 1)
        // The request went on because a pod of the app was ready (the grace, an hour on a clock nobody moved, did not pass).
        let view = try await s.server.apps.view("lazy")
        #expect(view.replicas == 1 && view.healthy == 1, "\(view)")
        await s.stop()
    }

    @Test func aWakeThatNeverGetsReadyIsAnswered503OnceTheStartupGracePasses() async throws {
        let s = try await Served.start()
        defer { Task { await s.stop() } }
        _ = try await s.server.apps.deploy([Self.lazy(image: "registry.invalid/nothing:1", grace: .seconds(30))])

        let done = Mutex(false)
        let request = Task {
            defer { done.withLock { $0 = true } }
            return try await s.get("/apps/lazy/version")
        }
        // The Deployment was asked for a replica and the request waits out its grace.
        #expect(await eventually { s.deployed("lazy") == 1 && s.clock.begun(30) > 0 })
        #expect(!done.withLock { $0 }, "held while the grace has not passed")
        s.clock.advance(30)
        let answer = try await request.value
        #expect(answer.status == 503, "\(answer)")
        let error = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]
        #expect((error?["error"] as? [String: Any])?["code"] as? String == "no-healthy-replica", "\(answer)")
        await s.stop()
    }
}

/// `sluice serve`'s APIServer on a free port with its apps on `fixture`'s KubeSim (`KubernetesApps` with `settings`).
struct KubeAppServer {
    let server: APIServer
    let running: Task<Void, any Error>
    let port: Int

    static func start(_ fixture: KubeFixture, _ settings: KubernetesApps.Settings) async throws -> KubeAppServer {
        var configuration = APIServer.Configuration(storeDirectory: fixture.directory, port: 0)
        let client = fixture.client()
        configuration.appBackend = { store in KubernetesApps(client: client, settings: settings, store: store) }
        let ready = configuration
        let server = try await onThread { try APIServer(ready) }
        let listening = AsyncStream.makeStream(of: Int.self)
        let running = Task { try await server.run { listening.continuation.yield($0) } }
        var ports = listening.stream.makeAsyncIterator()
        let port = try #require(await ports.next())
        return KubeAppServer(server: server, running: running, port: port)
    }

    func stop() async {
        await server.shutdown()
        _ = try? await running.value
    }
}
