import Foundation
import SluiceKube
import Testing
@testable import KubeSim

/// Deployments -> replica pods, and their status, driven step by step.
struct ControllerDeploymentTests {
    /// The deployment controller, then the ReplicaSet controller it feeds, then the deployment's status.
    static func sync(_ store: ObjectStore, _ controller: DeploymentController) async {
        await controller.reconcileAll()
        await ReplicaSetController(store: store).reconcileAll()
        await controller.reconcileAll()
    }

    typealias F = KubeletFixtures

    static func deployment(replicas: Int64 = 3, image: String = "nginx") -> JSONObject {
        [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "web", "namespace": "default"],
            "spec": [
                "replicas": .int(replicas),
                "selector": ["matchLabels": ["app": "web"]],
                "template": [
                    "metadata": ["labels": ["app": "web"]],
                    "spec": ["containers": [["name": "web", "image": .string(image),
                                             "ports": [["name": "http", "containerPort": 8080]]]]],
                ],
            ],
        ]
    }

    static func activePods(_ store: ObjectStore) -> [JSONObject] {
        store.list(.pods, namespace: "default").items.map(\.object).filter(DeploymentController.isActive)
    }

    static func status(_ store: ObjectStore) -> JSONObject {
        store.get(.deployments, namespace: "default", name: "web")?.object["status"]?.objectValue ?? JSONObject()
    }

    static func condition(_ status: JSONObject, _ type: String) -> JSONValue? {
        status["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }
    }

    @Test func deploymentGetsOwnedLabelledPodsAndBecomesAvailable() async throws {
        let store = ObjectStore()
        let controller = DeploymentController(store: store)
        let kubelet = Kubelet(store: store)
        try store.create(.deployments, namespace: "default", Self.deployment())
        await Self.sync(store, controller)
        let pods = Self.activePods(store)
        #expect(pods.count == 3)
        let hash = try #require(pods.first?["metadata"]?["labels"]?["pod-template-hash"]?.stringValue)
        #expect(hash.count == 10)
        #expect(pods.allSatisfy { $0.metadataString("name")?.hasPrefix("web-\(hash)-") == true })
        #expect(pods.allSatisfy { $0.labels["app"] == "web" })
        let owner = pods.first?["metadata"]?["ownerReferences"]?.arrayValue?.first
        #expect(owner?["kind"] == "ReplicaSet" && owner?["name"]?.stringValue == "web-\(hash)")
        #expect(owner?["controller"] == true)
        let set = try #require(store.get(.replicaSets, namespace: "default", name: "web-\(hash)")?.object)
        #expect(set["metadata"]?["ownerReferences"]?[0]?["kind"] == "Deployment")
        #expect(set["spec"]?["selector"]?["matchLabels"]?["pod-template-hash"]?.stringValue == hash)
        #expect(set["metadata"]?["annotations"]?["deployment.kubernetes.io/revision"] == "1")
        var status = Self.status(store)
        #expect(status["replicas"] == 3)
        #expect(status["readyReplicas"] == nil)
        #expect(Self.condition(status, "Available")?["reason"] == "MinimumReplicasUnavailable")

        await F.advance(kubelet)
        await Self.sync(store, controller)
        status = Self.status(store)
        #expect(status["readyReplicas"] == 3)
        #expect(status["availableReplicas"] == 3)
        #expect(status["updatedReplicas"] == 3)
        #expect(status["observedGeneration"] == 1)
        #expect(Self.condition(status, "Available")?["status"] == "True")
        #expect(Self.condition(status, "Available")?["reason"] == "MinimumReplicasAvailable")
        #expect(Self.condition(status, "Progressing")?["reason"] == "NewReplicaSetAvailable")
    }

    @Test func scalingDownAndUpAndReplacingADeletedPod() async throws {
        let store = ObjectStore()
        let controller = DeploymentController(store: store)
        try store.create(.deployments, namespace: "default", Self.deployment(replicas: 3))
        await Self.sync(store, controller)
        try store.modify(.deployments, namespace: "default", name: "web") { $0["spec"]?["replicas"] = 1 }
        await Self.sync(store, controller)
        #expect(Self.activePods(store).count == 1)
        #expect(Self.status(store)["observedGeneration"] == 2)

        let survivor = try #require(Self.activePods(store).first?.metadataString("name"))
        try store.delete(.pods, namespace: "default", name: survivor, options: DeleteOptions(gracePeriodSeconds: 0))
        await Self.sync(store, controller)
        let replaced = Self.activePods(store)
        #expect(replaced.count == 1)
        #expect(replaced.first?.metadataString("name") != survivor)

        try store.modify(.deployments, namespace: "default", name: "web") { $0["spec"]?["replicas"] = 4 }
        await Self.sync(store, controller)
        #expect(Self.activePods(store).count == 4)
    }

    @Test func changedTemplateReplacesEveryPod() async throws {
        let store = ObjectStore()
        let controller = DeploymentController(store: store)
        try store.create(.deployments, namespace: "default", Self.deployment(replicas: 2))
        await Self.sync(store, controller)
        let before = Set(Self.activePods(store).compactMap { $0.metadataString("name") })
        try store.modify(.deployments, namespace: "default", name: "web") {
            $0["spec"]?["template"]?["spec"]?["containers"] = [["name": "web", "image": "nginx:1.27"]]
        }
        await Self.sync(store, controller)
        let after = Self.activePods(store)
        #expect(after.count == 2)
        #expect(after.allSatisfy { !before.contains($0.metadataString("name") ?? "") })
        #expect(Set(after.compactMap { $0.labels["pod-template-hash"] }).count == 1)
        // The old ReplicaSet stays as revision history, scaled to zero; the new one is revision 2.
        let sets = store.list(.replicaSets, namespace: "default").items.map(\.object)
        #expect(sets.count == 2)
        #expect(Set(sets.compactMap { $0["spec"]?["replicas"]?.intValue }) == [0, 2])
        #expect(Set(sets.compactMap { $0["metadata"]?["annotations"]?["deployment.kubernetes.io/revision"]?.stringValue }) == ["1", "2"])

        // Deleting the deployment collects its ReplicaSets and their pods.
        try store.delete(.deployments, namespace: "default", name: "web")
        #expect(store.list(.replicaSets, namespace: "default").items.isEmpty)
        #expect(Self.activePods(store).allSatisfy { $0.metadataString("deletionTimestamp") != nil })
    }

    @Test func runningControllersKeepADeploymentAndItsServiceLive() async throws {
        let store = ObjectStore()
        let controllers = ClusterControllers(store: store)
        let running = Task { try await controllers.run() }
        defer { running.cancel() }
        try store.create(.deployments, namespace: "default", Self.deployment(replicas: 2))
        try store.create(.services, namespace: "default", ControllerEndpointsTests.service())
        let live = await KubeletWait.until {
            Self.status(store)["availableReplicas"] == 2
                && store.get(.endpoints, namespace: "default", name: "web")?.object["subsets"]?
                    .arrayValue?.first?["addresses"]?.arrayValue?.count == 2
        }
        #expect(live)
    }
}
