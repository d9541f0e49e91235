import Foundation
import KubeSim
import SluiceEngine
import SluiceKube
import SluiceModel
import SluicePlugin
import SluiceRuntime
import Testing

/// `deploy: NAME` steps on the Kubernetes backend: the controller's deploy plugin deploys the app through
/// `KubernetesApps` (a Deployment and a Service on KubeSim) and waits for its pods to be ready.
@Suite struct KubernetesDeployStepTests {
    static let flow = """
        name: ship
        outputs: {url: up.url}
        nodes:
          - {id: up, deploy: web}
        apps:
          - name: web
            image: busybox:1.36
            command: [sh, -c, "exec sleep 600"]
            replicas: 2
            public: true
        """

    @Test func aDeployStepMakesTheDeploymentAndOutputsTheGatewayURL() async throws {
        let k = try await KubeFixture.start()
        defer { Task { await k.stop() } }
        var settings = KubernetesSettings(pod: KubePodSettings(namespace: k.namespace))
        settings.tick = .milliseconds(100)
        let kube = KubernetesBackend(client: k.client(), settings: settings, root: k.directory + "/attempts")
        let deploy = AppDeployTask(pollEvery: .milliseconds(50))
        let backend = PluginBackend(kube, plugins: TaskPluginRegistry([deploy]), root: k.directory + "/attempts",
                                    secretSource: .kubernetes(client: kube.client, namespace: kube.namespace))
        let controller = try Controller(directory: k.directory, backend: backend, options: Controller.Options())
        let apps = KubernetesApps(client: k.client(), settings: KubernetesApps.Settings(pod: kube.settings.pod), store: controller.store)
        deploy.attach(apps, baseURL: { "http://sluice.test:8470" })
        controller.start()
        defer {
            kube.shutdown()
            controller.stop()
        }
        let state = try await k.run(controller, Self.flow)
        #expect(state.header.phase == .succeeded, "\(state.nodes.mapValues { $0.failure?.message ?? "" })")
        #expect(state.node("up")?.outputs?["url"] == .string("http://sluice.test:8470/apps/web"))
        let deployment = k.sim.store.get(.deployments, namespace: k.namespace, name: "web")?.object
        #expect(deployment?["spec"]?["replicas"]?.intValue == 2)
        #expect(try await apps.view("web").healthy == 2)
        // Every watch ends before KubeSim stops (it waits for open watches).
        kube.shutdown()
        controller.stop()
        await apps.shutdown()
        await k.stop()
    }
}
