import Foundation
import KubeSim
import Testing
@testable import SluiceKube

/// The example in docs/design/kube.md, against KubeSim (a kubeconfig it wrote instead of `automatic()`).
@Suite struct DocExampleTests {
    @Test func theDesignDocsExampleWorks() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("doc-example-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await withSim({ $0.kubeconfigPath = folder + "/kubeconfig" }) { _, _ in
            let client = try KubeClient(config: ClusterConfig.load(kubeconfigPaths: [folder + "/kubeconfig"]))
            var pod = Pod(name: "hello", namespace: client.defaultNamespace)
            pod.spec.containers = [Container(name: "main", image: "busybox")]
            pod.spec.restartPolicy = "Never"
            let created = try await client.create(pod)
            #expect(created.metadata.name == "hello")

            let seen = Lines()
            let pods = Informer()
            pods.addHandler(InformerHandler(updated: { _, new in
                seen.add(Pod(document: new).metadata.labels["stage"] ?? "")
            }))
            let watching = Task { await pods.run(Reflector(client: client, type: .pods, namespace: client.defaultNamespace)) }
            defer { watching.cancel() }
            await pods.waitForSync()

            try await client.update(Pod.self, namespace: client.defaultNamespace, name: "hello") { p in
                p.metadata.labels["stage"] = "done"
                return true
            }
            #expect(await eventually { seen.all.contains("done") })

            let elector = try LeaderElector(client: client,
                config: .init(namespace: "default", name: "sluice-controller", identity: "host-\(getpid())"),
                callbacks: .init(startedLeading: { seen.add("leading") }))
            let campaign = Task { await elector.run() }
            #expect(await eventually { seen.all.contains("leading") })
            campaign.cancel()
        }
    }
}
