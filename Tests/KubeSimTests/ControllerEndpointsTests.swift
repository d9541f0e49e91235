import Foundation
import SluiceKube
import Testing
@testable import KubeSim

/// Services' Endpoints follow the ready pods their selector matches.
struct ControllerEndpointsTests {
    typealias F = KubeletFixtures

    static func service(name: String = "web") -> JSONObject {
        [
            "apiVersion": "v1", "kind": "Service",
            "metadata": ["name": .string(name), "namespace": "default", "labels": ["tier": "front"]],
            "spec": ["selector": ["app": "web"], "ports": [["name": "http", "port": 80, "targetPort": "http"]]],
        ]
    }

    static func endpoints(_ store: ObjectStore) -> JSONObject? {
        store.get(.endpoints, namespace: "default", name: "web")?.object
    }

    @Test func endpointsListReadyPodAddressesWithResolvedPorts() async throws {
        let store = ObjectStore()
        let kubelet = Kubelet(store: store)
        let controller = EndpointsController(store: store)
        let containers: [JSONValue] = [["name": "web", "image": "nginx", "ports": [["name": "http", "containerPort": 8080]]]]
        try store.create(.services, namespace: "default", Self.service())
        try store.create(.pods, namespace: "default", F.pod("web-1", restartPolicy: "Always", containers: containers, labels: ["app": "web"]))
        try store.create(.pods, namespace: "default", F.pod("other", restartPolicy: "Always", labels: ["app": "db"]))
        await controller.reconcile(namespace: "default", name: "web")
        #expect(Self.endpoints(store)?["subsets"] == nil)
        #expect(Self.endpoints(store)?["metadata"]?["labels"]?["tier"] == "front")

        await F.advance(kubelet)
        await controller.reconcile(namespace: "default", name: "web")
        let subset = try #require(Self.endpoints(store)?["subsets"]?.arrayValue?.first)
        let addresses = subset["addresses"]?.arrayValue ?? []
        #expect(addresses.count == 1)
        #expect(addresses.first?["targetRef"]?["name"] == "web-1")
        #expect(addresses.first?["nodeName"] == "kubesim-node-1")
        #expect(subset["ports"] == [["name": "http", "port": 8080, "protocol": "TCP"]])
    }

    @Test func terminatingPodsMoveToNotReadyAndEndedPodsLeave() async throws {
        let store = ObjectStore(expireTerminatingPods: false)
        let kubelet = Kubelet(store: store)
        let controller = EndpointsController(store: store)
        try store.create(.services, namespace: "default", Self.service())
        try store.create(.pods, namespace: "default", F.pod("web-1", restartPolicy: "Always", labels: ["app": "web"]))
        await F.advance(kubelet)
        try store.delete(.pods, namespace: "default", name: "web-1")
        await controller.reconcile(namespace: "default", name: "web")
        let subset = Self.endpoints(store)?["subsets"]?.arrayValue?.first
        #expect(subset?["addresses"] == nil)
        #expect(subset?["notReadyAddresses"]?.arrayValue?.count == 1)
        await kubelet.reconcileAll(now: F.t0.addingTimeInterval(2))
        await controller.reconcile(namespace: "default", name: "web")
        #expect(Self.endpoints(store)?["subsets"] == nil)
    }
}
